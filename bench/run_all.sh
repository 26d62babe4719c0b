#!/usr/bin/env bash
# Every benchmark, in dependency order, each checking its own targets (what `make bench` runs).
# Takes roughly 2 to 2.5 hours on 2 cores of a quiet machine, most of it training ResNet-18
# (~30 min), the ResNet-50 runs, the torchvision zoo against NNCF (~45 min with its exports) and
# training the small ViT (~11 min); the first run also creates .venv-bench for NNCF (a few min).
# Usage: bash bench/run_all.sh [RUNS_DIR]   (default runs; each benchmark gets a folder in it)
#   env: passed on to every script (TORCHVINO, THREADS, REPEATS, ...; see each script's header);
#        EXPORT_PYTHON for bench/onnx_resnet50.sh, which is skipped without it unless
#        RUNS_DIR/bench-onnx-resnet50/resnet50.onnx already exists.
# A benchmark that misses a target does not stop the others: the failures are listed at the end
# and the exit status is non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-runs}
failed=()

bench() {  # bench NAME SCRIPT ARGS...: runs it, remembering a failure instead of stopping
  local name=$1
  shift
  echo "=== $name" >&2
  if ! "$@"; then
    failed+=("$name")
  fi
}

# The ConvNet first: quantize_vs_nncf.sh quantizes its FP32 IR, and creates .venv-bench, which
# onnx_resnet50.sh's check needs.
bench convnet bash bench/convnet.sh "$RUNS/bench-convnet"
bench nncf-convnet env FP32="$RUNS/bench-convnet/fp32/convnet.xml" \
  bash bench/quantize_vs_nncf.sh "$RUNS/bench-nncf"
bench resnet50 bash bench/resnet50.sh "$RUNS/bench-resnet50"
if [ -n "${EXPORT_PYTHON:-}" ] || [ -f "$RUNS/bench-onnx-resnet50/resnet50.onnx" ]; then
  bench onnx-resnet50 bash bench/onnx_resnet50.sh "$RUNS/bench-onnx-resnet50"
else
  echo "=== onnx-resnet50 skipped: set EXPORT_PYTHON (see bench/onnx_resnet50.sh)" >&2
fi
bench resnet18-trained bash bench/resnet18_trained.sh "$RUNS/bench-resnet18"
bench nncf-resnet18 env FP32="$RUNS/bench-resnet18/fp32/resnet18.xml" \
  bash bench/quantize_vs_nncf.sh "$RUNS/bench-nncf-resnet18"
bench zoo bash bench/zoo.sh "$RUNS/zoo"
bench transformer-trained bash bench/transformer_trained.sh "$RUNS/vit-fashion"

if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
echo "all benchmarks passed" >&2
