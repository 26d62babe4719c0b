#!/usr/bin/env bash
# torchvision's resnet50 exported to ONNX by PyTorch in Python, then convert → quantize → eval
# with torchvino, as a user with their own ONNX would. Targets: the converted FP32 IR reproduces
# PyTorch's logits (max |dlogit| <= 1e-4 x max |logit|); every conv/FC of the INT8 IR executes in
# 8 bits; INT8 >= 2.5x FP32 throughput. Weights are seeded random (nothing pretrained here).
# Usage: EXPORT_PYTHON=/path/to/python bash bench/onnx_resnet50.sh [OUT_DIR]  (default runs/bench-onnx-resnet50)
#   EXPORT_PYTHON: a Python with bench/requirements-export.txt (torch, torchvision, onnx,
#   onnxscript); skipped when OUT_DIR/resnet50.onnx exists. The check runs in .venv-bench
#   (bench/requirements-nncf.txt: the openvino Python package). env: TORCHVINO, THREADS=2,
#   SUBSET=32, BATCH=8, REQUESTS=2, LIMIT=64, REPEATS=3.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/bench-onnx-resnet50}
BIN=${TORCHVINO:-build/torchvino}
THREADS=${THREADS:-2}
SUBSET=${SUBSET:-32}
BATCH=${BATCH:-8}
REQUESTS=${REQUESTS:-2}
LIMIT=${LIMIT:-64}
REPEATS=${REPEATS:-3}
VPY=${BENCH_VENV:-.venv-bench}/bin/python
[ -x "$BIN" ] || { echo "missing $BIN (build the project first)" >&2; exit 2; }
"$VPY" -c 'import openvino' 2>/dev/null || { echo "missing $VPY with openvino (see bench/quantize_vs_nncf.sh)" >&2; exit 2; }
mkdir -p "$OUT/speed" "$OUT/logs"

if [ ! -f "$OUT/resnet50.onnx" ]; then
  [ -n "${EXPORT_PYTHON:-}" ] || { echo "set EXPORT_PYTHON to a Python with bench/requirements-export.txt" >&2; exit 2; }
  "$EXPORT_PYTHON" bench/export_torchvision_resnet50.py "$OUT"
fi
"$BIN" convert --onnx "$OUT/resnet50.onnx" --output "$OUT/fp32/resnet50.xml" 2>&1 | tee "$OUT/logs/convert.log"
"$BIN" quantize --input "$OUT/fp32/resnet50.xml" --output "$OUT/int8/resnet50.xml" --subset-size "$SUBSET" \
  --threads "$THREADS" 2>&1 | tee "$OUT/logs/quantize.log"
for rep in $(seq 1 "$REPEATS"); do
  for mode in fp32 int8; do
    "$BIN" eval --mode "$mode" --ir "$OUT/$mode/resnet50.xml" --batch "$BATCH" --requests "$REQUESTS" \
      --limit "$LIMIT" --threads "$THREADS" --json "$OUT/speed/${mode}_r${rep}.json" >"$OUT/logs/eval_${mode}_r${rep}.log" 2>&1 \
      || { echo "eval $mode failed, see $OUT/logs/eval_${mode}_r${rep}.log" >&2; exit 2; }
  done
done
"$VPY" bench/check_onnx_resnet50.py "$OUT" --threads "$THREADS" --batch "$BATCH" --requests "$REQUESTS"
