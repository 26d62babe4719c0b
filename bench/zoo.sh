#!/usr/bin/env bash
# torchvino's INT8 against NNCF's on torchvision classifiers a user brings as ONNX (issue #12).
# For each model: export it (bench/zoo.py prepare: seeded weights, 10 classes, BatchNorm statistics
# re-estimated on real images), `torchvino convert --onnx` with ImageNet normalisation, then
#   - quantize: torchvino quantize (defaults: preset auto, model type auto) and NNCF
#     (bench/nncf_quantize.py, given the model type ours detected) on the same FP32 IR and the same
#     SUBSET calibration tensors (torchvino quantize --save-calibration); whole-process wall time,
#     REPEATS runs each, alternating which goes first;
#   - accuracy: both INT8 IRs and the FP32 IR on 512 held-out images in one OpenVINO runtime (f32
#     inference precision): relative RMS logit error and top-1 agreement against FP32, FakeQuantize
#     count, compute layers running i8/u8 (bench/zoo.py measure);
#   - speed: `torchvino bench --modes int8` on ours and NNCF's, back to back, BENCH_REPEATS pairs in
#     alternating order, batch BATCH, throughput hint; the median of the paired ratios. FP32 too,
#     for INT8's speed-up. Then both INT8 IRs in one process, alternating rounds (bench/zoo.py ab):
#     the verdict reads that ratio, which the machine's load cannot tilt.
# Targets (#12): error <= NNCF's x1.05 (ViT: <= NNCF's), throughput >= 0.98x NNCF's,
# quantization time <= NNCF's.
# Usage: bash bench/zoo.sh [OUT_DIR] [MODEL...]   (default runs/zoo; mobilenet_v3_large efficientnet_b0
#   shufflenet_v2_x1_0 resnext50_32x4d convnext_tiny vit_b_16)
#   env: TORCHVINO (default build/torchvino), BENCH_VENV (default .venv-bench, from
#        bench/requirements-anchors.txt), THREADS=2, SUBSET=300, BATCH=8, SECONDS_PER_CELL=4,
#        REPEATS=1, BENCH_REPEATS=7 (at most 9: the pairs are matched by file name)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/zoo}
shift || true
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(mobilenet_v3_large efficientnet_b0 shufflenet_v2_x1_0 resnext50_32x4d convnext_tiny vit_b_16)
BIN=${TORCHVINO:-build/torchvino}
VPY=${BENCH_VENV:-.venv-bench}/bin/python
THREADS=${THREADS:-2}
SUBSET=${SUBSET:-300}
BATCH=${BATCH:-8}
SECONDS_PER_CELL=${SECONDS_PER_CELL:-4}
REPEATS=${REPEATS:-1}
BENCH_REPEATS=${BENCH_REPEATS:-7}
source bench/common.sh
need_torchvino "$BIN"
need_bench_venv "$VPY" torch torchvision onnx onnxscript nncf openvino
mkdir -p "$OUT/logs"
uptime | tee "$OUT/logs/uptime-start.txt"
touch "$OUT/times.tsv"

for model in "${MODELS[@]}"; do
  dir=$OUT/$model
  sed -i "/^$model\t/d" "$OUT/times.tsv"  # a model measured again replaces its old times
  echo "== $model ($(date -u +%H:%M:%S))"
  [ -f "$dir/eval.npy" ] || "$VPY" bench/zoo.py prepare "$OUT" "$model" --threads "$THREADS" 2>&1 | tail -1
  "$BIN" convert --onnx "$dir/model.onnx" --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 --output "$dir/fp32/$model.xml" \
    >"$OUT/logs/convert-$model.log" 2>&1 || { echo "convert $model failed, see $OUT/logs/convert-$model.log" >&2; exit 2; }
  # The calibration tensors for both, and the model type NNCF is given: the one ours detected.
  "$BIN" quantize --input "$dir/fp32/$model.xml" --output "$dir/warmup/$model.xml" --subset-size "$SUBSET" \
    --threads "$THREADS" --save-calibration "$dir/calibration.npy" >"$OUT/logs/warmup-$model.log" 2>&1 \
    || { echo "torchvino quantize $model failed, see $OUT/logs/warmup-$model.log" >&2; exit 2; }
  type=$(sed -n 's/^ *model type \([a-z]*\).*/\1/p' "$OUT/logs/warmup-$model.log")
  [ -n "$type" ] || { echo "no model type in $OUT/logs/warmup-$model.log" >&2; exit 2; }
  rm -rf "$dir/warmup"
  ours() {
    wall "$model" ours "$OUT/logs/quantize-$model-r$1.log" "$BIN" quantize --input "$dir/fp32/$model.xml" \
      --output "$dir/ours/$model.xml" --subset-size "$SUBSET" --threads "$THREADS"
  }
  theirs() {
    wall "$model" nncf "$OUT/logs/nncf-$model-r$1.log" "$VPY" bench/nncf_quantize.py "$dir/fp32/$model.xml" \
      "$dir/nncf/$model.xml" --calibration "$dir/calibration.npy" --subset-size "$SUBSET" --model-type "$type"
  }
  for rep in $(seq 1 "$REPEATS"); do
    if (( rep % 2 )); then ours "$rep"; theirs "$rep"; else theirs "$rep"; ours "$rep"; fi
  done
  grep -h '^quantize:.*layers\|^  model type' "$OUT/logs/quantize-$model-r1.log" || true

  "$VPY" bench/zoo.py measure "$OUT" "$model" --threads "$THREADS" --batch "$BATCH" \
    --ir "fp32=$dir/fp32/$model.xml" --ir "ours=$dir/ours/$model.xml" --ir "nncf=$dir/nncf/$model.xml" \
    2>&1 | tee "$OUT/logs/measure-$model.log"

  mkdir -p "$dir/bench"
  cell() {  # cell VARIANT MODE XML REP
    "$BIN" bench "$3" --modes "$2" --batch "$BATCH" --hint throughput --threads "$THREADS" \
      --time "$SECONDS_PER_CELL" --json "$dir/bench/$1_r$4.json" >"$OUT/logs/bench-$model-$1-r$4.log" 2>&1 \
      || { echo "bench $model $1 failed, see $OUT/logs/bench-$model-$1-r$4.log" >&2; exit 2; }
  }
  for rep in $(seq 1 "$BENCH_REPEATS"); do
    if (( rep % 2 )); then cell ours int8 "$dir/ours/$model.xml" "$rep"; cell nncf int8 "$dir/nncf/$model.xml" "$rep"
    else cell nncf int8 "$dir/nncf/$model.xml" "$rep"; cell ours int8 "$dir/ours/$model.xml" "$rep"; fi
    cell fp32 fp32 "$dir/fp32/$model.xml" "$rep"
  done
  # The same two INT8 IRs in one process, alternating: the ratio the verdict reads.
  "$VPY" bench/zoo.py ab "$OUT" "$model" --threads "$THREADS" --batch "$BATCH" 2>&1 | tee "$OUT/logs/ab-$model.log"
done

uptime | tee "$OUT/logs/uptime-end.txt"
status=0
"$VPY" bench/zoo.py table "$OUT" "${MODELS[@]}" >"$OUT/zoo.txt" || status=$?  # 1: a target missed
cat "$OUT/zoo.txt"
mkdir -p bench/results
{ cat "$OUT/zoo.txt"; echo "# load: $(cat "$OUT/logs/uptime-start.txt") / $(cat "$OUT/logs/uptime-end.txt")"; } \
  >"bench/results/zoo-$(date -u +%F-%H%M).txt"
exit "$status"
