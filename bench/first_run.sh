#!/usr/bin/env bash
# How long a new user waits from `git clone` to the demo's report, step by step, in a fresh clone:
#   clone → set-up (the project's virtualenv with the pinned OpenVINO and LibTorch wheels) →
#   configure → build (only the command-line tool, as `make demo` does) → `make demo` (the
#   pipeline: train, convert, quantize, evaluate every mode, write the report).
# Goal (issue #11): under 5 minutes on the 2-core reference machine.
# The wheels are downloaded again (pip's cache is off), as on a new machine. Not timed: the Debian
# packages (scripts/setup.sh installs the missing ones; on this machine they are present) and the
# network of a remote clone (the clone is of a local repository).
# Usage: bash bench/first_run.sh [REPOSITORY (default: this checkout)]
#   env: WORK (default: a new temporary folder; the clone is left there), KEEP_PIP_CACHE=1 to use pip's cache
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
SRC=${1:-$HERE}
WORK=${WORK:-$(mktemp -d /tmp/torchvino-first-run.XXXXXX)}
[ "${KEEP_PIP_CACHE:-0}" = 1 ] || export PIP_NO_CACHE_DIR=1
LOG=$WORK/first_run.log
mkdir -p "$WORK"
: >"$LOG"
uptime | tee -a "$LOG"

declare -a STEPS=() SECONDS_OF=()
step() {  # step NAME COMMAND...: runs it in the clone (after the first), logs it, records its wall time
  local name=$1 start end
  shift
  echo "== $name: $*" | tee -a "$LOG"
  start=$(date +%s.%N)
  if ! "$@" >>"$LOG" 2>&1; then
    echo "first_run: step '$name' failed, see $LOG" >&2
    tail -20 "$LOG" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  STEPS+=("$name")
  SECONDS_OF+=("$(echo "$end - $start" | bc)")
  printf '   %.1f s\n' "${SECONDS_OF[-1]}" | tee -a "$LOG"
}

step clone git clone -q "$SRC" "$WORK/torchvino"
cd "$WORK/torchvino"
step setup make setup
step configure make configure
step build cmake --build build -j "$(nproc)" --target torchvino_cli
step pipeline make demo
[ -f runs/demo/report.md ] || { echo "first_run: no runs/demo/report.md after make demo" >&2; exit 1; }

total=0
for s in "${SECONDS_OF[@]}"; do total=$(echo "$total + $s" | bc); done
targets=$(grep -c '^\[[0-9]*/[0-9]*\]' "$LOG" || true)
cache="on"
[ -n "${PIP_NO_CACHE_DIR:-}" ] && cache="off (wheels downloaded)"
{
  echo "# bench/first_run.sh, $(date -u '+%F %H:%M') UTC, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
       "$(nproc) logical CPUs; pip cache $cache; load: $(head -1 "$LOG")"
  printf '%-10s %9s\n' step seconds
  for i in "${!STEPS[@]}"; do printf '%-10s %9.1f\n' "${STEPS[$i]}" "${SECONDS_OF[$i]}"; done
  printf '%-10s %9.1f  (%.1f min; goal < 5 min)\n' total "$total" "$(echo "$total / 60" | bc -l)"
  echo "# ninja steps run by the build: $targets; the clone and its log: $WORK"
} | tee "$WORK/summary.txt"
mkdir -p "$HERE/bench/results"
cp "$WORK/summary.txt" "$HERE/bench/results/first-run-$(date -u +%F-%H%M).txt"
