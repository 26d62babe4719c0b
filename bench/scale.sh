#!/usr/bin/env bash
# Streaming evaluation at ImageNet scale (issue #27): `torchvino eval --dataset folder` on a folder of
# JPEGs like ImageNet's validation set (bench/scale_images.py: seeded, 1,000 classes, ImageNet's image
# and file sizes) against the Python anchor a PyTorch user would write (bench/scale_anchor.py:
# torchvision ImageFolder + DataLoader with WORKERS worker processes feeding the same INT8 IR through
# OpenVINO's Python API with the same threads, hint and infer requests).
# For each model: a 1,000-class INT8 IR (bench/zoo.py prepare --num-classes 1000, convert, quantize,
# as bench/zoo.sh does, in OUT/models/MODEL; zoo.sh's own IRs have 10 outputs, and eval refuses
# labels beyond the model's outputs). Accuracy is chance on these images (random labels for a seeded
# network): top-1 is printed as a check that both sides read the same labels, never compared.
# For each image count: REPEATS pairs, the order alternating, the page cache warmed first:
#   torchvino: the whole process under /usr/bin/time -v: images / wall time, Maximum resident set size;
#   anchor: its loop alone (from the folder scan to the last result; imports and compilation not
#           counted), the peak RSS of its process tree (parent + workers, summed) and PSS.
# Medians; the ratio is the median of the paired ratios torchvino / anchor (images/s).
# One extra pair on the smallest count: torchvino --threads 1 against --threads 2. And decoding
# alone (DECODE, bench/decode_folder.cpp, no model) with 1 and 2 threads, REPEATS pairs.
# Targets (#27): ratio >= 1.4 at each count; torchvino's peak RSS <= 1500 MB (the largest of its runs);
# decoding alone with 2 threads >= 1.7x with 1.
# Usage: bash bench/scale.sh [OUT_DIR] [MODEL...]   (default runs/scale; mobilenet_v3_large resnet50)
#   env: TORCHVINO (default build/torchvino), BENCH_VENV (default .venv-bench, from
#        bench/requirements-anchors.txt), THREADS=2, BATCH=32, REQUESTS=2, REPEATS=3,
#        COUNTS="2000 50000" (multiples of 1,000; the largest is generated, 50 per class for 50,000,
#        the smaller ones are seeded subsets of symbolic links), WORKERS=2 (the anchor's DataLoader),
#        PREPROCESS=pil (the anchor's transforms: pil = torchvision's Resize/CenterCrop/ToTensor/
#        Normalize; exact = torchvino's arithmetic), SUBSET=300 (calibration images),
#        SCALE_DIR (default ~/.cache/torchvino/scale-imagenet-like; must be outside the repository)
# Output: OUT/scale.txt (the table, machine, commands), OUT/runs.tsv, OUT/logs/. Exit 1 if a target
# is missed. 50,000 images take 5.5 GB in SCALE_DIR, generated once (about 10 min on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-runs/scale}
shift || true
MODELS=("$@")
[ ${#MODELS[@]} -gt 0 ] || MODELS=(mobilenet_v3_large resnet50)
BIN=${TORCHVINO:-build/torchvino}
DECODE=${DECODE:-$(dirname "$BIN")/torchvino_bench_decode}
VPY=${BENCH_VENV:-.venv-bench}/bin/python
THREADS=${THREADS:-2}
BATCH=${BATCH:-32}
REQUESTS=${REQUESTS:-2}
REPEATS=${REPEATS:-3}
COUNTS=${COUNTS:-"2000 50000"}
WORKERS=${WORKERS:-2}
PREPROCESS=${PREPROCESS:-pil}
SUBSET=${SUBSET:-300}
SCALE_DIR=${SCALE_DIR:-$HOME/.cache/torchvino/scale-imagenet-like}
source bench/common.sh
need_torchvino "$BIN"
need_bench_venv "$VPY" torch torchvision onnx onnxscript openvino psutil PIL
case "$(realpath -m "$SCALE_DIR")/" in "$(realpath .)"/*)
  echo "SCALE_DIR $SCALE_DIR is inside the repository: give a scratch folder outside it" >&2; exit 2;; esac
read -r -a counts <<<"$COUNTS"
max=0
for n in "${counts[@]}"; do
  [[ $n =~ ^[1-9][0-9]*000$ ]] || { echo "COUNTS: $n is not a positive multiple of 1000" >&2; exit 2; }
  (( n > max )) && max=$n
done
mkdir -p "$OUT/logs" "$OUT/json"
: >"$OUT/runs.tsv"
: >"$OUT/commands.txt"
uptime | tee "$OUT/logs/uptime-start.txt"

# The images: the largest count generated (or reused), a folder for each count.
"$VPY" bench/scale_images.py --dir "$SCALE_DIR" --count $((max / 1000)) >/dev/null 2>"$OUT/logs/images.log" \
  || { cat "$OUT/logs/images.log" >&2; exit 2; }
tail -1 "$OUT/logs/images.log"
declare -A DATA
for n in "${counts[@]}"; do DATA[$n]=$("$VPY" bench/scale_images.py --dir "$SCALE_DIR" --images "$n"); done

# record MODEL IMAGES TOOL REP THREADS SECONDS RSS_MB TOP1 INNER_IMAGES_PER_S PSS_MB -> OUT/runs.tsv
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$OUT/runs.tsv"
}
# note COMMAND...: the exact command (of the first repeat), once per distinct line, in OUT/commands.txt
note() {
  local line
  line=$(printf '%q ' "$@")
  grep -qxF -- "$line" "$OUT/commands.txt" || echo "$line" >>"$OUT/commands.txt"
}
ours() {  # ours MODEL XML IMAGES REP THREADS [TOOL]: TOOL names the row (default torchvino)
  local model=$1 xml=$2 n=$3 rep=$4 threads=$5 tool=${6:-torchvino} tag="$1-$3-${6:-torchvino}-t$5-r$4" start end
  local cmd=("$BIN" eval --mode int8 --ir "$xml" --dataset folder --data-dir "${DATA[$n]}" --batch "$BATCH"
             --requests "$REQUESTS" --threads "$threads" --json "$OUT/json/$tag.json")
  (( rep == 1 )) && note /usr/bin/time -v "${cmd[@]}"
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$OUT/logs/$tag.time" "${cmd[@]}" >"$OUT/logs/$tag.log" 2>&1 \
    || { echo "torchvino eval failed, see $OUT/logs/$tag.log" >&2; exit 2; }
  end=$(date +%s.%N)
  "$VPY" - "$OUT/json/$tag.json" "$OUT/logs/$tag.time" "$n" <<'PY' >"$OUT/logs/$tag.fields"
import json, re, sys
r = json.load(open(sys.argv[1]))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(sys.argv[2]).read()).group(1))
if r["images"] != int(sys.argv[3]):
    sys.exit(f"{sys.argv[1]}: {r['images']} images, not {sys.argv[3]}")
print(f"{rss / 1024:.1f} {100 * r['accuracy']:.2f} {r['throughput']:.2f}")
PY
  read -r rss top1 inner <"$OUT/logs/$tag.fields"
  record "$model" "$n" "$tool" "$rep" "$threads" "$(echo "$end - $start" | bc)" "$rss" "$top1" "$inner" -
}
anchor() {  # anchor MODEL XML IMAGES REP
  local model=$1 xml=$2 n=$3 rep=$4 tag="$1-$3-anchor-r$4"
  local cmd=("$VPY" bench/scale_anchor.py --ir "$xml" --data-dir "${DATA[$n]}" --batch "$BATCH" --requests "$REQUESTS"
             --threads "$THREADS" --workers "$WORKERS" --preprocess "$PREPROCESS" --json "$OUT/json/$tag.json")
  (( rep == 1 )) && note "${cmd[@]}"
  "${cmd[@]}" >"$OUT/logs/$tag.log" 2>&1 || { echo "anchor failed, see $OUT/logs/$tag.log" >&2; exit 2; }
  "$VPY" - "$OUT/json/$tag.json" <<'PY' >"$OUT/logs/$tag.fields"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{r['seconds']:.3f} {r['peak_rss_mb']:.1f} {100 * r['top1']:.2f} {r['peak_pss_mb']:.1f}")
PY
  read -r seconds rss top1 pss <"$OUT/logs/$tag.fields"
  record "$model" "$n" anchor "$rep" "$THREADS" "$seconds" "$rss" "$top1" - "$pss"
}
warm() {  # the images into the page cache, so that the first run reads no disk the others do not
  find -L "$1/val" -type f -print0 | xargs -0 cat >/dev/null
}

for model in "${MODELS[@]}"; do
  echo "== $model ($(date -u +%H:%M:%S))"
  dir=$OUT/models/$model
  prepare_zoo_model "$BIN" "$VPY" "$dir" "$model" 1000 "$THREADS" "$SUBSET"
  xml=$dir/int8/$model.xml
  for n in "${counts[@]}"; do
    warm "${DATA[$n]}"
    for rep in $(seq 1 "$REPEATS"); do
      if (( rep % 2 )); then ours "$model" "$xml" "$n" "$rep" "$THREADS"; anchor "$model" "$xml" "$n" "$rep"
      else anchor "$model" "$xml" "$n" "$rep"; ours "$model" "$xml" "$n" "$rep" "$THREADS"; fi
      tail -2 "$OUT/runs.tsv" | awk -F'\t' '{printf "  %s images, %s rep %s: %.1f s, %.1f images/s, %s MB\n", $2, $3, $4, $6, $2 / $6, $7}'
    done
  done
  # Threads: one more pair on the smallest folder, torchvino alone.
  small=$(printf '%s\n' "${counts[@]}" | sort -n | head -1)
  ours "$model" "$xml" "$small" 1 1 threads
  ours "$model" "$xml" "$small" 1 2 threads
  tail -2 "$OUT/runs.tsv" | awk -F'\t' '{printf "  %s images, --threads %s: %.1f images/s (whole process), %s images/s (its own figure)\n", $2, $5, $2 / $6, $9}'
done

# Decoding alone (no model): the stream's images/s on the smallest folder with 1 and 2 threads,
# REPEATS pairs in alternating order (target: 2 threads >= 1.7x 1 thread).
small=$(printf '%s\n' "${counts[@]}" | sort -n | head -1)
decode() {  # decode THREADS: prints images/s
  "$DECODE" "${DATA[$small]}/val" "$1" "$BATCH" | sed -n 's/.*images_per_s=\([0-9.]*\).*/\1/p'
}
if [ -x "$DECODE" ]; then
  warm "${DATA[$small]}"
  : >"$OUT/decode.tsv"
  for rep in $(seq 1 "$REPEATS"); do
    if (( rep % 2 )); then one=$(decode 1); two=$(decode 2); else two=$(decode 2); one=$(decode 1); fi
    printf '%s\t%s\t%s\n' "$rep" "$one" "$two" | tee -a "$OUT/decode.tsv"
  done
else
  echo "no $DECODE (build the torchvino_bench_decode target): decoding alone not measured" >&2
fi

uptime | tee "$OUT/logs/uptime-end.txt"
status=0
"$VPY" bench/scale_table.py "$OUT" --cpu "$(cpu_line)" --torchvino "$BIN" --images-summary "$SCALE_DIR/complete.json" \
  --batch "$BATCH" --requests "$REQUESTS" --threads "$THREADS" --workers "$WORKERS" --preprocess "$PREPROCESS" \
  >"$OUT/scale.txt" || status=$?  # 1: a target missed
if [ -s "$OUT/decode.tsv" ]; then
  # Exit status 1 when the paired median misses the target.
  awk -F'\t' -v n="$small" -v out="$OUT/scale.txt" '{one[NR] = $2; two[NR] = $3; r[NR] = $3 / $2}
    function median(a, k,   i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                       return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
    END { m = median(r, NR)
          printf "\nDecoding alone (bench/decode_folder.cpp, %s images, 224x224): 1 thread %.1f images/s, 2 threads %.1f images/s (medians of %d); paired ratio %.2f: %s (target >= 1.7)\n",
                 n, median(one, NR), median(two, NR), NR, m, (m >= 1.7 ? "PASS" : "FAIL") >>out
          exit (m >= 1.7 ? 0 : 1) }' "$OUT/decode.tsv" || status=1
fi
cat "$OUT/scale.txt"
exit "$status"
