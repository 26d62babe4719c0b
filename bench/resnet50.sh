#!/usr/bin/env bash
# ResNet-50 at 224x224 (seeded random weights: nothing pretrained is reachable here), the speed
# and parity targets of the zoo issue, measured in one run:
#   OpenVINO FP32 vs LibTorch: max |dlogit| <= 1e-4 x max |logit|;
#   OpenVINO FP32 >= 1.2x LibTorch FP32 at batch 1 and in throughput mode;
#   INT8 >= 2.5x OpenVINO FP32 throughput (throughput mode: batch BATCH, REQUESTS infer requests).
# Speed does not depend on the weights' values, so random weights measure it fairly; accuracy
# figures of this run mean nothing (see bench/resnet18_trained.sh for a ResNet trained here).
# Input: Fashion-MNIST test images, prepared to 3x224x224 as the CLI does for a 224 model.
# Usage: bash bench/resnet50.sh [OUT_DIR]   (default runs/bench-resnet50; reuses its checkpoint)
#   env: TORCHVINO (default build/torchvino), THREADS=2, REPEATS=3, BATCH=8, REQUESTS=2,
#        LIMIT_B1=16 (images per batch-1 run), LIMIT=64 (images per throughput run), SUBSET=32
# Run it on a quiet machine: ratios are taken from one run, medians over REPEATS.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/bench-resnet50}
BIN=${TORCHVINO:-build/torchvino}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
BATCH=${BATCH:-8}
REQUESTS=${REQUESTS:-2}
LIMIT_B1=${LIMIT_B1:-16}
LIMIT=${LIMIT:-64}
SUBSET=${SUBSET:-32}
[ -x "$BIN" ] || { echo "missing $BIN (build the project first)" >&2; exit 2; }
COMMON=(--out "$OUT" --model resnet50 --image-size 224 --threads "$THREADS")
mkdir -p "$OUT/speed" "$OUT/logs"

# Seeded, untrained weights (train --epochs 0), then the whole pipeline on a few images: it
# converts, quantizes, checks parity and the runtime graph, and writes the report.
[ -f "$OUT/resnet50.pt" ] || "$BIN" train "${COMMON[@]}" --epochs 0
"$BIN" pipeline "${COMMON[@]}" --subset-size "$SUBSET" --batch "$BATCH" --limit "$LIMIT"

run() {  # run MODE BATCH REQUESTS LIMIT NAME
  "$BIN" eval "${COMMON[@]}" --mode "$1" --batch "$2" --requests "$3" --limit "$4" \
    --json "$OUT/speed/$5.json" >"$OUT/logs/$5.log" 2>&1 \
    || { echo "eval $5 failed, see $OUT/logs/$5.log" >&2; exit 2; }
}
# Interleaved so that drift hits every mode alike. LibTorch has no infer requests: its
# throughput mode is the same batch on all threads.
for rep in $(seq 1 "$REPEATS"); do
  for mode in pytorch fp32 int8; do
    run "$mode" 1 1 "$LIMIT_B1" "${mode}_b1_r${rep}"
    if [ "$mode" = pytorch ]; then
      run "$mode" "$BATCH" 1 "$LIMIT" "${mode}_tput_r${rep}"
    else
      run "$mode" "$BATCH" "$REQUESTS" "$LIMIT" "${mode}_tput_r${rep}"
    fi
  done
done

python3 bench/check_resnet50.py "$OUT" --batch "$BATCH" --requests "$REQUESTS"
