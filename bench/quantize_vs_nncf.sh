#!/usr/bin/env bash
# Our INT8 post-training quantization against NNCF's (the Python reference), on an FP32 IR
# (the ConvNet's by default; FP32=... for another, e.g. the ResNet-18 of bench/resnet18_trained.sh).
#   Targets: our accuracy drop <= NNCF's drop + 0.1 point; our INT8 throughput >= 0.95x NNCF's;
#   our quantization wall time (whole process) <= NNCF's (whole process, Python start-up included).
# Both quantizers get the same calibration data: SUBSET Fashion-MNIST training images (drawn across
# the split with torchvino's default --calibration-seed 0) as
# torchvino prepares them for the IR's input (written once with --save-calibration, read by the
# NNCF script); both use their defaults (preset performance, overflow fix on the first layer) and the
# same bias-correction mode, BIAS_CORRECTION: fast (both tools' default; NNCF
# fast_bias_correction=True), full (torchvino --bias-correction full; NNCF fast_bias_correction=False,
# which calibrates bias correction on max(int(0.2 SUBSET), 1) images) or none (both disabled).
# Both INT8 IRs and the FP32 IR are evaluated with the same runtime: torchvino eval, batch 96.
# Usage: bash bench/quantize_vs_nncf.sh [OUT_DIR]   (default runs/bench-nncf)
#   env: FP32 (default runs/bench-convnet/fp32/convnet.xml), TORCHVINO (default build/torchvino),
#        THREADS=2, REPEATS=3, SUBSET=300, BATCH=96, BIAS_CORRECTION=fast (fast|full|none),
#        BENCH_VENV=.venv-bench, PYTHON (creates it; python3)
# NNCF runs in .venv-bench (bench/requirements-nncf.txt), created here if missing; never in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/bench-nncf}
FP32=${FP32:-runs/bench-convnet/fp32/convnet.xml}
BIN=${TORCHVINO:-build/torchvino}
THREADS=${THREADS:-2}
REPEATS=${REPEATS:-3}
SUBSET=${SUBSET:-300}
BATCH=${BATCH:-96}
BIAS_CORRECTION=${BIAS_CORRECTION:-fast}
case "$BIAS_CORRECTION" in fast|full|none) ;; *) echo "BIAS_CORRECTION must be fast, full or none, not '$BIAS_CORRECTION'" >&2; exit 2;; esac
VENV=${BENCH_VENV:-.venv-bench}
VPY=$VENV/bin/python
case "$(realpath -m "$VENV")" in "$(realpath -m .venv)") echo "refusing to use the product venv .venv" >&2; exit 2;; esac

if ! "$VPY" -c 'import nncf, openvino' >/dev/null 2>&1; then
  echo "creating $VENV from bench/requirements-nncf.txt" >&2
  [ -x "$VPY" ] || "${PYTHON:-python3}" -m venv "$VENV"
  "$VPY" -m pip install --quiet --upgrade pip >&2
  "$VPY" -m pip install --quiet -r bench/requirements-nncf.txt >&2
fi
[ -f "$FP32" ] || { echo "missing FP32 IR $FP32 (run bench/convnet.sh first)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "missing $BIN (build the project first)" >&2; exit 2; }

rm -rf "$OUT/quant" "$OUT/eval" "$OUT/logs" "$OUT/times.tsv"
mkdir -p "$OUT/quant" "$OUT/eval" "$OUT/logs"

now() { date +%s.%N; }
# Wall time of the whole process (start-up, imports, calibration, saving), in seconds.
timed() {  # timed TOOL REP CMD...
  local tool=$1 rep=$2; shift 2
  local t0 t1
  t0=$(now)
  "$@" >"$OUT/logs/quantize_${tool}_r${rep}.log" 2>&1 \
    || { echo "$tool quantize failed, see $OUT/logs/quantize_${tool}_r${rep}.log" >&2; exit 2; }
  t1=$(now)
  printf '%s\t%s\t%s\n' "$tool" "$rep" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" >>"$OUT/times.tsv"
}
quant_ours() {
  timed ours "$1" "$BIN" quantize --input "$FP32" --output "$OUT/quant/ours_r$1.xml" \
    --subset-size "$SUBSET" --bias-correction "$BIAS_CORRECTION" --threads "$THREADS"
}
quant_nncf() {
  timed nncf "$1" "$VPY" bench/nncf_quantize.py "$FP32" "$OUT/quant/nncf_r$1.xml" --subset-size "$SUBSET" \
    --bias-correction "$BIAS_CORRECTION" --calibration "$OUT/calibration.npy"
}

# Warm the page cache and Python's bytecode cache once, untimed, so rep 1 is not penalised.
# Our warm-up run also writes the calibration images for NNCF.
"$BIN" quantize --input "$FP32" --output "$OUT/quant/warmup_ours.xml" --subset-size "$SUBSET" \
  --bias-correction "$BIAS_CORRECTION" --threads "$THREADS" --save-calibration "$OUT/calibration.npy" \
  >"$OUT/logs/warmup_ours.log" 2>&1 || { echo "ours warm-up failed, see $OUT/logs/warmup_ours.log" >&2; exit 2; }
"$VPY" bench/nncf_quantize.py "$FP32" "$OUT/quant/warmup_nncf.xml" --subset-size "$SUBSET" \
  --bias-correction "$BIAS_CORRECTION" --calibration "$OUT/calibration.npy" \
  >"$OUT/logs/warmup_nncf.log" 2>&1 || { echo "nncf warm-up failed, see $OUT/logs/warmup_nncf.log" >&2; exit 2; }
rm -f "$OUT"/quant/warmup_*

# Quantization wall time, interleaved, order alternating so drift hits both alike.
for rep in $(seq 1 "$REPEATS"); do
  if (( rep % 2 )); then quant_ours "$rep"; quant_nncf "$rep"
  else quant_nncf "$rep"; quant_ours "$rep"; fi
done

# Accuracy and throughput: the same runtime (torchvino eval, f32 inference precision) for all three.
declare -A IR=([fp32]="$FP32" [ours]="$OUT/quant/ours_r1.xml" [nncf]="$OUT/quant/nncf_r1.xml")
declare -A MODE=([fp32]=fp32 [ours]=int8 [nncf]=int8)
orders=("fp32 ours nncf" "nncf fp32 ours" "ours nncf fp32")
for rep in $(seq 1 "$REPEATS"); do
  for v in ${orders[$(( (rep - 1) % 3 ))]}; do
    "$BIN" eval --mode "${MODE[$v]}" --ir "${IR[$v]}" --batch "$BATCH" --threads "$THREADS" \
      --json "$OUT/eval/${v}_r${rep}.json" >"$OUT/logs/eval_${v}_r${rep}.log" 2>&1 \
      || { echo "eval $v failed, see $OUT/logs/eval_${v}_r${rep}.log" >&2; exit 2; }
  done
done

"$VPY" bench/compare_nncf.py "$OUT" "$FP32" --subset-size "$SUBSET" --bias-correction "$BIAS_CORRECTION" \
  --threads "$THREADS" --batch "$BATCH"
