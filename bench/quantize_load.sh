#!/usr/bin/env bash
# Quantization wall time, quiet and under load (issue #27): torchvino quantize against NNCF
# (bench/nncf_quantize.py) on torchvision classifiers, as bench/zoo.sh runs them: the same FP32 IR,
# the same SUBSET calibration tensors (torchvino quantize --save-calibration), NNCF given the model
# type ours detected; whole-process wall time (start-up, calibration, saving).
# REPEATS rounds; each round times one pair quiet and one pair loaded (the condition that goes first
# alternates, and so does the tool within a pair). Loaded: LOAD busy processes
# (python3 -c 'while True: pass') started before the pair and killed after it (and on any exit).
# One untimed run of each first (page cache, Python's bytecode). Medians; the ratio is the median of
# the paired ratios ours / NNCF.
# Models: the FP32 IR and calibration tensors of bench/zoo.sh (ZOO/MODEL) when there, else made here
# as zoo.sh makes them (10 classes, OUT/models/MODEL).
# Targets (#27): ours / NNCF <= 0.6 quiet, <= 1.0 loaded.
# Usage: bash bench/quantize_load.sh [OUT_DIR] [MODEL...]   (default runs/quantize-load;
#   mobilenet_v3_large resnet50)
#   env: TORCHVINO (default build/torchvino), BENCH_VENV (default .venv-bench, from
#        bench/requirements-anchors.txt), THREADS=2, SUBSET=300, REPEATS=3, LOAD=2, ZOO=runs/zoo
# Output: OUT/quantize-load.txt, OUT/times.tsv, OUT/logs/. Exit 1 if a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/quantize-load}
shift || true
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(mobilenet_v3_large resnet50)
BIN=${TORCHVINO:-build/torchvino}
VPY=${BENCH_VENV:-.venv-bench}/bin/python
THREADS=${THREADS:-2}
SUBSET=${SUBSET:-300}
REPEATS=${REPEATS:-3}
LOAD=${LOAD:-2}
ZOO=${ZOO:-runs/zoo}
source bench/common.sh
need_torchvino "$BIN"
need_bench_venv "$VPY" torch torchvision onnx onnxscript nncf openvino
[[ $LOAD =~ ^[0-9]+$ ]] || { echo "LOAD must be a number of processes, not '$LOAD'" >&2; exit 2; }
mkdir -p "$OUT/logs"
: >"$OUT/times.tsv"
: >"$OUT/commands.txt"

busy=()
unload() {  # stops the busy processes this script started, by their ids
  if [ ${#busy[@]} -gt 0 ]; then
    kill "${busy[@]}" 2>/dev/null || true
    wait "${busy[@]}" 2>/dev/null || true
  fi
  busy=()
}
trap unload EXIT
trap 'exit 130' INT TERM
load() {
  local i
  for ((i = 0; i < LOAD; i++)); do
    python3 -c 'while True: pass' &
    busy+=($!)
  done
  sleep 0.5  # let the scheduler see them
}

# timed MODEL CONDITION TOOL REP COMMAND...: whole-process wall time -> OUT/times.tsv
timed() {
  local model=$1 condition=$2 tool=$3 rep=$4 log start end
  shift 4
  log=$OUT/logs/$model-$condition-$tool-r$rep.log
  if (( rep == 1 )) && [ "$condition" = quiet ]; then { printf '%q ' "$@"; echo; } >>"$OUT/commands.txt"; fi
  start=$(date +%s.%N)
  "$@" >"$log" 2>&1 || { echo "$tool quantization of $model failed, see $log" >&2; exit 2; }
  end=$(date +%s.%N)
  printf '%s\t%s\t%s\t%s\t%s\n' "$model" "$condition" "$tool" "$rep" "$(echo "$end - $start" | bc)" >>"$OUT/times.tsv"
}

uptime | tee "$OUT/logs/uptime-start.txt"
for model in "${MODELS[@]}"; do
  echo "== $model ($(date -u +%H:%M:%S))"
  if [ -f "$ZOO/$model/fp32/$model.xml" ] && [ -f "$ZOO/$model/calibration.npy" ] && [ -f "$ZOO/logs/warmup-$model.log" ]; then
    fp32=$ZOO/$model/fp32/$model.xml
    calibration=$ZOO/$model/calibration.npy
    type=$(sed -n 's/^ *model type \([a-z]*\).*/\1/p' "$ZOO/logs/warmup-$model.log")
    echo "  reusing $ZOO/$model (bench/zoo.sh)"
  else
    dir=$OUT/models/$model
    prepare_zoo_model "$BIN" "$VPY" "$dir" "$model" 10 "$THREADS" "$SUBSET"
    fp32=$dir/fp32/$model.xml
    calibration=$dir/calibration.npy
    type=$(cat "$dir/model_type")
  fi
  [ -n "$type" ] || { echo "no model type for $model" >&2; exit 2; }
  q=$OUT/quantized/$model
  ours() {
    timed "$model" "$1" ours "$2" "$BIN" quantize --input "$fp32" --output "$q/ours/$model.xml" --subset-size "$SUBSET" \
      --threads "$THREADS"
  }
  theirs() {
    timed "$model" "$1" nncf "$2" "$VPY" bench/nncf_quantize.py "$fp32" "$q/nncf/$model.xml" \
      --calibration "$calibration" --subset-size "$SUBSET" --model-type "$type"
  }
  pair() {  # pair CONDITION REP
    if [ "$1" = loaded ]; then load; fi
    if (( $2 % 2 )); then ours "$1" "$2"; theirs "$1" "$2"; else theirs "$1" "$2"; ours "$1" "$2"; fi
    unload
    tail -2 "$OUT/times.tsv" | awk -F'\t' '{printf "  %s rep %s %s: %.1f s\n", $2, $4, $3, $5}'
  }
  ours warmup 0
  theirs warmup 0
  for rep in $(seq 1 "$REPEATS"); do
    if (( rep % 2 )); then pair quiet "$rep"; pair loaded "$rep"; else pair loaded "$rep"; pair quiet "$rep"; fi
  done
done
uptime | tee "$OUT/logs/uptime-end.txt"

status=0
"$VPY" - "$OUT" "$(cpu_line)" "$("$BIN" --version 2>/dev/null || echo torchvino ?)" "$LOAD" "$THREADS" "$SUBSET" \
  <<'PY' >"$OUT/quantize-load.txt" || status=$?
import statistics, sys, time
out, cpu, version, load, threads, subset = sys.argv[1:]
times = {}
for line in open(f"{out}/times.tsv"):
    model, condition, tool, rep, seconds = line.rstrip("\n").split("\t")
    if condition != "warmup":
        times.setdefault((model, condition), {}).setdefault(tool, {})[int(rep)] = float(seconds)
targets = {"quiet": 0.6, "loaded": 1.0}
rows = ["| model | condition | ours s (median) | NNCF s (median) | ours / NNCF (paired ratios) | target | |",
        "|---|---|---:|---:|---:|---:|---|"]
failed = False
for (model, condition), t in times.items():
    paired = [t["ours"][r] / t["nncf"][r] for r in sorted(t["ours"]) if r in t["nncf"]]
    ratio = statistics.median(paired)
    ok = ratio <= targets[condition]
    failed |= not ok
    rows.append(f"| {model} | {condition} | {statistics.median(t['ours'].values()):.1f} | "
                f"{statistics.median(t['nncf'].values()):.1f} | {ratio:.2f} ({', '.join(f'{x:.2f}' for x in paired)}) | "
                f"<= {targets[condition]} | {'PASS' if ok else 'FAIL'} |")
uptimes = " / ".join(open(f"{out}/logs/uptime-{w}.txt").read().strip() for w in ("start", "end"))
print(f"# bench/quantize_load.sh, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, {cpu}; {version}\n"
      f"# whole-process wall time of torchvino quantize (--threads {threads}) and NNCF (bench/nncf_quantize.py), "
      f"{subset} calibration images; loaded: {load} busy processes; load: {uptimes}\n"
      f"# targets (#27): ours / NNCF <= 0.6 quiet, <= 1.0 loaded\n")
print("\n".join(rows))
print("\nCommands:")
for line in open(f"{out}/commands.txt"):
    print("  " + line.rstrip("\n"))
sys.exit(1 if failed else 0)
PY
cat "$OUT/quantize-load.txt"
exit "$status"
