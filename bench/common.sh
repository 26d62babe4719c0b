# Shared by the bench scripts (sourced, after `cd` to the repository's root).

# need_torchvino BIN: stops unless the built command-line tool is there.
need_torchvino() {
  [ -f "$1" ] && [ -x "$1" ] || { echo "missing $1 (build the project first: make build)" >&2; exit 2; }
}

# need_bench_venv PYTHON MODULE...: stops, saying how to make it, unless PYTHON imports every
# MODULE. The bench venv holds the Python tools we compare with; it is never the product's .venv.
need_bench_venv() {
  local python=$1
  shift
  local modules
  modules=$(IFS=,; echo "$*")
  "$python" -c "import $modules" 2>/dev/null && return 0
  echo "$python lacks one of $modules: python3 -m venv .venv-bench &&" \
       ".venv-bench/bin/pip install -r bench/requirements-anchors.txt" >&2
  exit 2
}

# wall MODEL TOOL LOG COMMAND...: runs COMMAND quietly (output to LOG), stops if it fails, and
# appends "MODEL<TAB>TOOL<TAB>seconds" to $OUT/times.tsv: the whole process's wall time.
wall() {
  local model=$1 tool=$2 log=$3 start end
  shift 3
  start=$(date +%s.%N)
  "$@" >"$log" 2>&1 || { echo "$tool quantization of $model failed, see $log" >&2; exit 2; }
  end=$(date +%s.%N)
  printf '%s\t%s\t%s\n' "$model" "$tool" "$(echo "$end - $start" | bc)" >>"$OUT/times.tsv"
}

# prepare_zoo_model BIN PYTHON DIR MODEL CLASSES THREADS SUBSET: what bench/zoo.sh does before it
# measures, for one torchvision MODEL, in DIR (= OUT/MODEL, logs in DIR/logs): bench/zoo.py prepare
# (seeded weights, CLASSES outputs), `torchvino convert --onnx` with ImageNet normalisation
# (DIR/fp32/MODEL.xml), `torchvino quantize` with --save-calibration (DIR/int8/MODEL.xml and
# DIR/calibration.npy: the SUBSET tensors NNCF is then given) and the model type ours detected
# (DIR/model_type). Each step is skipped when its output is there.
prepare_zoo_model() {
  local bin=$1 python=$2 dir=$3 model=$4 classes=$5 threads=$6 subset=$7 type
  mkdir -p "$dir/logs"
  [ -f "$dir/model.onnx" ] || "$python" bench/zoo.py prepare "$(dirname "$dir")" "$model" --threads "$threads" \
    --num-classes "$classes" >"$dir/logs/prepare.log" 2>&1 || { echo "prepare $model failed, see $dir/logs/prepare.log" >&2; exit 2; }
  [ -f "$dir/fp32/$model.xml" ] || "$bin" convert --onnx "$dir/model.onnx" --mean 0.485,0.456,0.406 \
    --std 0.229,0.224,0.225 --output "$dir/fp32/$model.xml" >"$dir/logs/convert.log" 2>&1 \
    || { echo "convert $model failed, see $dir/logs/convert.log" >&2; exit 2; }
  if [ ! -f "$dir/int8/$model.xml" ] || [ ! -f "$dir/calibration.npy" ] || [ ! -s "$dir/model_type" ]; then
    "$bin" quantize --input "$dir/fp32/$model.xml" --output "$dir/int8/$model.xml" --subset-size "$subset" \
      --threads "$threads" --save-calibration "$dir/calibration.npy" >"$dir/logs/quantize.log" 2>&1 \
      || { echo "torchvino quantize $model failed, see $dir/logs/quantize.log" >&2; exit 2; }
    type=$(sed -n 's/^ *model type \([a-z]*\).*/\1/p' "$dir/logs/quantize.log")
    [ -n "$type" ] || { echo "no model type in $dir/logs/quantize.log" >&2; exit 2; }
    echo "$type" >"$dir/model_type"
  fi
}

# cpu_line: the CPU as lscpu names it, with its family and model numbers (the name alone can be
# "AMD EPYC" on a virtual machine).
cpu_line() {
  lscpu | awk -F: '/^Model name/ {gsub(/^ +/, "", $2); n = $2} /^CPU family/ {gsub(/ /, "", $2); f = $2}
                   /^Model:/ {gsub(/ /, "", $2); m = $2} /^CPU\(s\)/ {gsub(/ /, "", $2); c = $2}
                   END {printf "%s (family %s, model %s), %s logical CPUs\n", n, f, m, c}'
}
