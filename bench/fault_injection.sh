#!/usr/bin/env bash
# Kills train, convert, quantize and pipeline with SIGKILL at random moments and checks, after
# every kill, that each output present is complete and valid (it loads and evaluates) and that
# the good output written before survives (unchanged, or replaced by a complete new one).
#
#   bash bench/fault_injection.sh [KILLS_PER_COMMAND=50] [SEED=$RANDOM]
#
# Prints one line per kill and a summary: corrupt or mixed outputs, lost good outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
KILLS=${1:-50}
SEED=${2:-$RANDOM}
TV=${TORCHVINO:-build/torchvino}
WORK=$(mktemp -d /tmp/torchvino-faults.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
RANDOM=$SEED
echo "fault injection: $KILLS kills per command, seed $SEED, $(nproc) cores, $(date -u +%F)"

TINY="--train-limit 384 --limit 128 --subset-size 32 --threads 1"
OUT=$WORK/out
"$TV" pipeline --modes pytorch,fp32,int8 --epochs 1 $TINY --out "$OUT" >/dev/null 2>&1

corrupt=0
lost=0
total=0

# Validates what is in $OUT after a kill of command $1: the checkpoint and every IR must load
# and evaluate; the FP32 IR must compute what the checkpoint computes (same loss to 4 decimals on
# 128 images: parity is about 1e-6), else checkpoint and IR come from two runs (mixed); the
# pipeline's set must be whole (checkpoint, fp32, int8 and report.json).
loss_of() { sed -n 's/.* loss \([0-9.]*\) .*/\1/p' "$1"; }
check_outputs() {
  local command=$1 what=$2 ok=1
  if [ ! -e "$OUT/convnet.pt" ]; then
    lost=$((lost + 1)); echo "  LOST after $what: no checkpoint"; return
  fi
  "$TV" eval --mode pytorch --limit 128 --threads 1 --out "$OUT" >"$WORK/pt.log" 2>&1 || ok=0
  for xml in "$OUT"/fp32/convnet.xml "$OUT"/int8/convnet.xml "$WORK"/convert/m.xml "$WORK"/quantize/m.xml; do
    [ -e "$xml" ] || continue
    "$TV" eval --mode fp32 --ir "$xml" --limit 128 --threads 1 --out "$OUT" >"$WORK/ir.log" 2>&1 || { ok=0; cat "$WORK/ir.log" >>"$WORK/pt.log"; }
    if [ "$xml" = "$OUT/fp32/convnet.xml" ] && [ "$(loss_of "$WORK/ir.log")" != "$(loss_of "$WORK/pt.log")" ]; then
      ok=0; echo "  MIXED after $what: fp32 IR loss $(loss_of "$WORK/ir.log") vs checkpoint $(loss_of "$WORK/pt.log")"
    fi
  done
  if [ "$command" = pipeline ]; then
    for file in fp32/convnet.xml int8/convnet.xml report.json; do
      [ -e "$OUT/$file" ] || { lost=$((lost + 1)); echo "  LOST after $what: $file"; }
    done
  fi
  if [ $ok = 0 ]; then
    corrupt=$((corrupt + 1)); echo "  CORRUPT after $what:"; grep -i error "$WORK/pt.log" | head -2 | sed 's/^/    /'
  fi
}

# Runs "$@" in the background, kills it after a random delay below $max_ms.
kill_randomly() {
  local max_ms=$1; shift
  local delay=$((RANDOM % max_ms))
  "$@" >"$WORK/run.log" 2>&1 &
  local pid=$!
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  echo "$delay"
}

# The time a whole run takes, in ms: kills are spread over it.
duration_ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  echo $(((end - start) / 1000000 + 1))
}

mkdir -p "$WORK/convert" "$WORK/quantize"
"$TV" convert --out "$OUT" --output "$WORK/convert/m.xml" >/dev/null 2>&1
"$TV" quantize --input "$OUT/fp32/convnet.xml" --output "$WORK/quantize/m.xml" --subset-size 32 --threads 1 --out "$OUT" >/dev/null 2>&1

declare -A commands=(
  [train]="$TV train --epochs 1 --train-limit 384 --threads 1 --seed 11 --out $OUT"
  [convert]="$TV convert --out $OUT --output $WORK/convert/m.xml"
  [quantize]="$TV quantize --input $OUT/fp32/convnet.xml --output $WORK/quantize/m.xml --subset-size 32 --threads 1 --out $OUT"
  [pipeline]="$TV pipeline --modes pytorch,fp32,int8 --epochs 1 --retrain --seed 12 $TINY --out $OUT"
)
for name in train convert quantize pipeline; do
  # shellcheck disable=SC2086
  span=$(duration_ms ${commands[$name]})
  for ((k = 1; k <= KILLS; k++)); do
    # shellcheck disable=SC2086
    delay=$(kill_randomly "$span" ${commands[$name]})
    total=$((total + 1))
    check_outputs "$name" "$name killed at ${delay} ms"
    # A train that finished drops the IRs of the model it replaced: make the set whole again.
    if [ ! -e "$OUT/fp32/convnet.xml" ] || [ ! -e "$OUT/int8/convnet.xml" ]; then
      "$TV" pipeline --modes pytorch,fp32,int8 --epochs 1 $TINY --out "$OUT" >/dev/null 2>&1
    fi
  done
  echo "$name: $KILLS kills over a ${span} ms run"
done
leftovers=$(find "$WORK" -name '.torchvino-tmp-*' | wc -l)
echo "summary: $total kills, $corrupt corrupt or mixed outputs, $lost lost good outputs, $leftovers temporaries left (removed by the next write)"
[ $corrupt = 0 ] && [ $lost = 0 ]
