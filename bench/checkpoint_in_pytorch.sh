#!/usr/bin/env bash
# torchvino checkpoints in PyTorch (issue #10 §4): for each model, torchvino trains briefly and
# converts to an FP32 IR; Python then opens the checkpoint with torch.load (weights_only=True),
# loads its state dict with strict=True into the Python model (docs/convnet.py: our ConvNet, or
# torchvision's ResNet) and compares its logits with torchvino's (the IR, run by OpenVINO in f32).
# Usage: PYTHON=/path/to/venv/bin/python bash bench/checkpoint_in_pytorch.sh [OUT_DIR]
#   PYTHON: a Python with torch, torchvision and openvino (bench/requirements-checkpoint.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/bench-checkpoint}
BIN=${TORCHVINO:-build/torchvino}
PY=${PYTHON:-python3}
THREADS=${THREADS:-2}
mkdir -p "$OUT"

for model in convnet resnet18; do
  # One short epoch: batch-norm statistics and weights move away from their initial values.
  "$BIN" train --model "$model" --out "$OUT" --epochs 1 --train-limit 512 --threads "$THREADS" >/dev/null
  "$BIN" convert --model "$model" --out "$OUT" --threads "$THREADS" >/dev/null
  "$PY" bench/checkpoint_in_pytorch.py "$OUT/$model.pt" "$OUT/fp32/$model.xml"
done
