#!/usr/bin/env bash
# Where torchvino stands among the engines a user could pick instead, in one run on the same
# models, images, calibration tensors and threads: PyTorch eager and torch.compile, ONNX Runtime
# FP32 and INT8 (quantize_static: QDQ, per-channel, U8 activations / S8 weights), NNCF INT8, and
# torchvino fp32 / bf16 (where the CPU has it) / int8.
#   - convnet: the trained ConvNet (CONVNET_CHECKPOINT, trained here if missing), accuracy on the
#     10,000 Fashion-MNIST test images; batch 1 and 96.
#   - resnet50: torchvision resnet50, 10 classes, seeded weights, BatchNorm statistics re-estimated
#     on 256 real images at 224x224; top-1 agreement with PyTorch FP32 on 256 test images; batch 1 and 8.
# Every engine starts from the same ONNX file (exported by PyTorch); the three INT8 quantizers
# calibrate on the same SUBSET tensors (torchvino quantize --save-calibration). Throughput is
# synchronous, one inference after another: Python loops for PyTorch and ONNX Runtime,
# `torchvino bench --hint latency --requests 1` for the OpenVINO IRs (ours and NNCF's).
# Quantization wall time is the whole process (interpreter or binary start to saved model).
# Usage: bash bench/anchors.sh [OUT_DIR]   (default runs/anchors)
#   env: TORCHVINO (default build/torchvino), BENCH_VENV (default .venv-bench: torch, torchvision,
#        onnx, onnxscript, onnxruntime, nncf, openvino), THREADS=2, SUBSET=300, SECONDS_PER_CELL=5,
#        CONVNET_CHECKPOINT (default runs/bench-convnet/convnet.pt)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/anchors}
BIN=${TORCHVINO:-build/torchvino}
VPY=${BENCH_VENV:-.venv-bench}/bin/python
THREADS=${THREADS:-2}
SUBSET=${SUBSET:-300}
SECONDS_PER_CELL=${SECONDS_PER_CELL:-5}
CONVNET_CHECKPOINT=${CONVNET_CHECKPOINT:-runs/bench-convnet/convnet.pt}
source bench/common.sh
need_torchvino "$BIN"
need_bench_venv "$VPY" torch torchvision onnx onnxscript onnxruntime nncf openvino
mkdir -p "$OUT/logs"
uptime | tee "$OUT/logs/uptime-start.txt"

if [ ! -f "$CONVNET_CHECKPOINT" ]; then
  "$BIN" train --out "$OUT/convnet-train" --threads "$THREADS" 2>&1 | tee "$OUT/logs/train-convnet.log"
  CONVNET_CHECKPOINT=$OUT/convnet-train/convnet.pt
fi
[ -f "$OUT/resnet50/eval.npz" ] ||
  "$VPY" bench/anchors.py prepare "$OUT" --convnet-checkpoint "$CONVNET_CHECKPOINT" --threads "$THREADS"

declare -A NORMALISATION=([convnet]="--mean 0.2860 --std 0.3530"
                          [resnet50]="--mean 0.485,0.456,0.406 --std 0.229,0.224,0.225")
declare -A BATCHES=([convnet]="1,96" [resnet50]="1,8")
MODES=fp32
grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo && MODES=fp32,bf16

: >"$OUT/times.tsv"
for model in convnet resnet50; do
  dir=$OUT/$model
  # shellcheck disable=SC2086
  "$BIN" convert --onnx "$dir/model.onnx" ${NORMALISATION[$model]} --output "$dir/fp32/$model.xml" \
    >"$OUT/logs/convert-$model.log" 2>&1
  wall "$model" torchvino "$OUT/logs/quantize-$model.log" \
    "$BIN" quantize --input "$dir/fp32/$model.xml" --output "$dir/int8/$model.xml" --subset-size "$SUBSET" \
    --threads "$THREADS" --save-calibration "$dir/calibration.npy"
  wall "$model" nncf "$OUT/logs/nncf-$model.log" \
    "$VPY" bench/nncf_quantize.py "$dir/fp32/$model.xml" "$dir/nncf/$model.xml" --calibration "$dir/calibration.npy" \
    --subset-size "$SUBSET"
  wall "$model" onnxruntime "$OUT/logs/ort-$model.log" \
    "$VPY" bench/anchors.py ort-quantize "$OUT" "$model" "$dir/calibration.npy"

  common=(--batch "${BATCHES[$model]}" --hint latency --requests 1 --threads "$THREADS" --time "$SECONDS_PER_CELL")
  "$BIN" bench "$dir/fp32/$model.xml" --modes "$MODES" "${common[@]}" --json "$dir/bench_torchvino_fp.json" \
    >"$OUT/logs/bench-$model-fp.log" 2>&1
  "$BIN" bench "$dir/int8/$model.xml" --modes int8 "${common[@]}" --json "$dir/bench_torchvino_int8.json" \
    >"$OUT/logs/bench-$model-int8.log" 2>&1
  "$BIN" bench "$dir/nncf/$model.xml" --modes int8 "${common[@]}" --json "$dir/bench_nncf_int8.json" \
    >"$OUT/logs/bench-$model-nncf.log" 2>&1

  irs=(--ir "torchvino fp32=$dir/fp32/$model.xml@fp32")
  [[ $MODES == *bf16* ]] && irs+=(--ir "torchvino bf16=$dir/fp32/$model.xml@bf16")
  irs+=(--ir "torchvino int8=$dir/int8/$model.xml@int8" --ir "nncf int8=$dir/nncf/$model.xml@int8")
  "$VPY" bench/anchors.py measure "$OUT" "$model" --batches "${BATCHES[$model]}" --threads "$THREADS" \
    --seconds "$SECONDS_PER_CELL" "${irs[@]}" 2>&1 | tee "$OUT/logs/measure-$model.log"
done

uptime | tee "$OUT/logs/uptime-end.txt"
"$VPY" bench/anchors.py table "$OUT" convnet=1,96 resnet50=1,8 | tee "$OUT/anchors.txt"
mkdir -p bench/results
{ cat "$OUT/anchors.txt"; echo "# load: $(cat "$OUT/logs/uptime-start.txt") / $(cat "$OUT/logs/uptime-end.txt")"; } \
  >"bench/results/anchors-$(date -u +%F-%H%M).txt"
