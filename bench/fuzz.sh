#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz/fuzz_*.cpp) for a given time under AddressSanitizer +
# UndefinedBehaviorSanitizer, starting from freshly written seeds plus the kept corpus, then
# merges what they found into tests/fuzz/corpus/ (minimised: only inputs that add coverage).
#
#   bash bench/fuzz.sh [SECONDS_PER_TARGET=1800] [PARALLEL=2] [TARGET...]
#
# BUDGET=cpu (the default) gives each target SECONDS_PER_TARGET of CPU time: on a shared machine a
# fuzzer may get half a core, and wall time would overstate how long it ran. The target is
# interrupted (SIGINT: libFuzzer prints its statistics and exits) once its CPU time reaches the
# budget, or at 4 × SECONDS_PER_TARGET of wall time, whichever is first. BUDGET=wall: wall time.
#
# Needs clang (scripts/setup.sh sanitize installs it). Prints one table (executions, speed,
# coverage, corpus, crashes, peak memory) and writes it to bench/results/fuzz-DATE-HHMM.txt.
# Exit status 1 if any target crashed, leaked or hung; the reproducers are kept in the table's
# folder: replay one with `build-sanitize/tests/fuzz/fuzz_NAME FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-1800}
PARALLEL=${2:-2}
shift $(( $# > 2 ? 2 : $# )) || true
BUDGET=${BUDGET:-cpu}
case "$BUDGET" in cpu|wall) ;; *) echo "fuzz.sh: BUDGET must be cpu or wall, not '$BUDGET'" >&2; exit 2;; esac
BUILD=${BUILD_SANITIZE:-build-sanitize}  # the build `make test-sanitize` uses
TARGETS=("$@")
if ((${#TARGETS[@]} == 0)); then
  for f in tests/fuzz/fuzz_*.cpp; do n=$(basename "$f" .cpp); [ "$n" = fuzz_support ] || TARGETS+=("${n#fuzz_}"); done
fi

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (run: bash scripts/setup.sh sanitize)" >&2; exit 2; }
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ \
  -DTORCHVINO_SANITIZE=ON -DTORCHVINO_FUZZ=ON >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target fuzz_make_seeds $(printf 'fuzz_%s ' "${TARGETS[@]}")

WORK=${FUZZ_WORK:-$(mktemp -d /tmp/torchvino-fuzz.XXXXXX)}
mkdir -p "$WORK"
"$BUILD/tests/fuzz/fuzz_make_seeds" "$WORK/seeds" examples >/dev/null
export TBB_ENABLE_SANITIZERS=1
export ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:abort_on_error=0
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_one() {
  local name=$1 corpus=$WORK/corpus/$1
  mkdir -p "$corpus" "$WORK/crashes/$name"
  cp -n "$WORK/seeds/$name"/* "$corpus"/ 2>/dev/null || true
  [ -d "tests/fuzz/corpus/$name" ] && cp -n "tests/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
  local wall=$SECONDS_PER_TARGET
  [ "$BUDGET" = cpu ] && wall=$((4 * SECONDS_PER_TARGET))
  "$BUILD/tests/fuzz/fuzz_$name" -max_total_time="$wall" -rss_limit_mb=2560 \
    -timeout=25 -print_final_stats=1 -artifact_prefix="$WORK/crashes/$name/" "$corpus" \
    >"$WORK/$name.log" 2>&1 &
  local pid=$! ticks cpu=0
  ticks=$(getconf CLK_TCK)
  while kill -0 "$pid" 2>/dev/null; do
    # utime + stime of the fuzzer (fields 14 and 15 of /proc/PID/stat; the name may hold spaces).
    cpu=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk -v t="$ticks" '{print int(($12 + $13) / t)}') || break
    [ -n "$cpu" ] && echo "$cpu" >"$WORK/$name.cpu"
    if [ "$BUDGET" = cpu ] && [ -n "$cpu" ] && ((cpu >= SECONDS_PER_TARGET)); then kill -INT "$pid"; break; fi
    sleep 2
  done
  wait "$pid" || true
}

echo "fuzz: ${#TARGETS[@]} targets × ${SECONDS_PER_TARGET} s, $PARALLEL at a time, work in $WORK"
running=0
for name in "${TARGETS[@]}"; do
  run_one "$name" &
  running=$((running + 1))
  if ((running >= PARALLEL)); then wait -n; running=$((running - 1)); fi
done
wait

stat() { grep -o "stat::$2: *[0-9]*" "$WORK/$1.log" | tail -1 | grep -o '[0-9]*$' || echo 0; }
{
  echo "# fuzz.sh: $(date -u +%F), ${SECONDS_PER_TARGET} s of $BUDGET time per target, $PARALLEL in parallel on $(nproc) cores," \
       "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), clang $(clang++ -dumpversion), ASan+UBSan+LSan"
  printf '%-13s %12s %8s %8s %7s %8s %8s %8s\n' target executions exec/s cpu_s cov corpus crashes rss_mb
  for name in "${TARGETS[@]}"; do
    execs=$(stat "$name" number_of_executed_units)
    speed=$(stat "$name" average_exec_per_sec)
    cov=$(grep -o 'cov: [0-9]*' "$WORK/$name.log" | tail -1 | grep -o '[0-9]*' || echo 0)
    corpus=$(ls "$WORK/corpus/$name" | wc -l)
    crashes=$(ls "$WORK/crashes/$name" | wc -l)
    rss=$(stat "$name" peak_rss_mb)
    cpu=$(cat "$WORK/$name.cpu" 2>/dev/null || echo 0)
    printf '%-13s %12s %8s %8s %7s %8s %8s %8s\n' "$name" "$execs" "$speed" "$cpu" "$cov" "$corpus" "$crashes" "$rss"
  done
  echo "# logs, corpora and reproducers: $WORK"
} | tee "$WORK/summary.txt"

# Keep a minimal corpus: only the inputs that add coverage, merged into the kept one.
for name in "${TARGETS[@]}"; do
  mkdir -p "tests/fuzz/corpus/$name"
  "$BUILD/tests/fuzz/fuzz_$name" -merge=1 -rss_limit_mb=2560 -timeout=25 \
    "tests/fuzz/corpus/$name" "$WORK/corpus/$name" >"$WORK/$name.merge.log" 2>&1 || true
done
mkdir -p bench/results
cp "$WORK/summary.txt" "bench/results/fuzz-$(date -u +%F-%H%M).txt"  # never over an earlier run's
if grep -q . <(find "$WORK/crashes" -type f); then
  echo "fuzz: reproducers found:" >&2; find "$WORK/crashes" -type f >&2
  exit 1
fi
