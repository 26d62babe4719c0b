#!/usr/bin/env bash
# ConvNet on Fashion-MNIST: the targets of the foundation issue, measured in one run.
#   accuracy >= 90.0 % with default training; OpenVINO FP32 parity with LibTorch;
#   INT8 within 0.3 points of FP32, .bin <= 30 % of FP32; INT8 >= 1.5x FP32 throughput at
#   batch 96; OpenVINO FP32 >= LibTorch at batch 1 and 96.
# Usage: bash bench/convnet.sh [OUT_DIR]   (default runs/bench-convnet; reuses its checkpoint)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/bench-convnet}
BIN=${TORCHVINO:-build/torchvino}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
mkdir -p "$OUT/speed"

"$BIN" pipeline --out "$OUT" --threads "$THREADS"

# Speed: every mode at batch 1 and 96, REPEATS times, interleaved so drift hits all alike.
for rep in $(seq 1 "$REPEATS"); do
  for batch in 1 96; do
    for mode in pytorch fp32 fp16 int8; do
      "$BIN" eval --out "$OUT" --mode "$mode" --batch "$batch" --threads "$THREADS" \
        --json "$OUT/speed/${mode}_b${batch}_r${rep}.json" >/dev/null 2>&1
    done
    "$BIN" eval --out "$OUT" --mode fp32 --batch "$batch" --requests 2 --threads "$THREADS" \
      --json "$OUT/speed/fp32-async_b${batch}_r${rep}.json" >/dev/null 2>&1
    "$BIN" eval --out "$OUT" --mode int8 --batch "$batch" --requests 2 --threads "$THREADS" \
      --json "$OUT/speed/int8-async_b${batch}_r${rep}.json" >/dev/null 2>&1
  done
done

python3 bench/check_convnet.py "$OUT"
