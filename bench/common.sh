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
