#!/usr/bin/env bash
# Two builds of torchvino, the same outputs: a refactoring must not change one byte of what the
# tool writes. Trains the ConvNet (1 epoch, 2,000 images, seeded) and initialises a seeded
# ResNet-18, converts both and quantizes them (default, and full bias correction for the ConvNet)
# with each build, then compares every checkpoint and IR file with cmp and evaluates the ConvNet's
# INT8 IR with both (same accuracy to the last digit; throughput is noise).
#
#   bash bench/same_outputs.sh OLD_TORCHVINO NEW_TORCHVINO [SCRATCH]
#
# e.g. OLD from a worktree of the previous commit:
#   git worktree add /tmp/base HEAD~1 && cmake -S /tmp/base -B /tmp/base/build -G Ninja \
#     -DTORCHVINO_VENV=$PWD/.venv -DTORCHVINO_BUILD_TESTS=OFF && cmake --build /tmp/base/build --target torchvino_cli
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
OLD=${1:?usage: same_outputs.sh OLD_TORCHVINO NEW_TORCHVINO [SCRATCH]}
NEW=${2:?usage: same_outputs.sh OLD_TORCHVINO NEW_TORCHVINO [SCRATCH]}
SCRATCH=${3:-$(mktemp -d)}
need_torchvino "$OLD"
need_torchvino "$NEW"

for side in old new; do
  bin=$OLD; [ "$side" = new ] && bin=$NEW
  dir=$SCRATCH/$side
  rm -rf "$dir"
  "$bin" train --out "$dir/c" --epochs 1 --train-limit 2000 --threads 1 >/dev/null 2>&1
  "$bin" convert --out "$dir/c" --threads 1 >/dev/null 2>&1
  "$bin" quantize --out "$dir/c" --threads 1 >/dev/null 2>&1
  "$bin" quantize --out "$dir/c" --threads 1 --bias-correction full --output "$dir/c/int8full/convnet.xml" >/dev/null 2>&1
  "$bin" train --model resnet18 --epochs 0 --out "$dir/r" >/dev/null 2>&1
  "$bin" convert --model resnet18 --out "$dir/r" >/dev/null 2>&1
  "$bin" quantize --model resnet18 --out "$dir/r" --subset-size 64 >/dev/null 2>&1
done

differ=0
while read -r f; do
  if cmp -s "$SCRATCH/old/$f" "$SCRATCH/new/$f"; then echo "identical  $f"; else echo "DIFFERENT  $f"; differ=1; fi
done < <(cd "$SCRATCH/old" && find c r -type f \( -name '*.pt' -o -name '*.xml' -o -name '*.bin' \) | sort)

for side in old new; do
  bin=$OLD; [ "$side" = new ] && bin=$NEW
  echo "$side: $("$bin" eval --mode int8 --out "$SCRATCH/$side/c" --limit 2000 2>/dev/null | grep '^mode')"
done
exit $differ
