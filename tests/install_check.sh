#!/bin/sh
# An installed torchvino works on its own, moved anywhere, without the build tree or the
# virtualenv — what a device or a CI image that receives the tree gets.
#   install_check.sh BUILD_DIR VENV_DIR
#  1. `cmake --install BUILD_DIR --prefix STAGE`, then STAGE is moved (renamed) to MOVED.
#  2. No installed binary or library has an absolute RUNPATH/RPATH; libtorchvino_runtime.so and
#     torchvino-classify need no LibTorch, not even transitively.
#  3. With the build tree and the virtualenv hidden (empty tmpfs over them in a private mount
#     namespace; needs root, as CI has — otherwise ldd checks that nothing resolves into them):
#     torchvino-classify and `torchvino classify` print labelled top-5 for a PNG, `torchvino eval`
#     evaluates the IR on Fashion-MNIST, and examples/ — a separate CMake project using
#     find_package(torchvino) — is configured against MOVED, built, and run.
set -eu
build=$(realpath "$1") venv=$(realpath "$2")
unset LD_LIBRARY_PATH
work=$(mktemp -d /tmp/torchvino-install-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
step() { printf '== %s\n' "$*"; }

step "install, then move the prefix"
cmake --install "$build" --prefix "$work/stage" >/dev/null
mv "$work/stage" "$work/moved"
moved=$work/moved
for f in "$moved"/bin/* "$moved"/lib/*.so*; do
  [ -L "$f" ] && continue
  rpath=$(readelf -d "$f" | grep -E 'R(UN)?PATH' || true)
  echo "$rpath" | grep -q '\[/' && fail "$f has an absolute search path: $rpath"
done
for f in "$moved"/lib/libtorchvino_runtime.so "$moved"/bin/torchvino-classify; do
  deps=$(ldd "$f")
  echo "$deps" | grep -E '(libtorch|libtorch_cpu|libc10)\.so' && fail "$f needs LibTorch"
  echo "$deps" | grep -q "not found" && fail "$f: a library is missing: $deps"
done
nm -DC "$moved"/lib/libtorchvino_runtime.so | grep -E ' T .*stbi' && fail "stb symbols exported"
nm -DC "$moved"/lib/libtorchvino_runtime.so | grep -q ' T torchvino::Classifier::Classifier' ||
  fail "torchvino::Classifier is not exported"

step "a model (trained on 96 images, converted) and a PNG, made with the build tree"
"$build/torchvino" train --epochs 1 --train-limit 96 --out "$work/out" --threads 1 >/dev/null 2>&1 ||
  fail "train failed"
"$build/torchvino" convert --out "$work/out" --threads 1 >/dev/null 2>&1 || fail "convert failed"
mkdir -p "$work/frames"
python3 - "$work/frames" <<'PY'
import struct, sys, zlib
def png(path, value):  # a 28x28 8-bit gray PNG
    rows = b"".join(b"\0" + bytes([value]) * 28 for _ in range(28))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 28, 28, 8, 0, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
for i in range(4):
    png(f"{sys.argv[1]}/frame{i}.png", 40 + 60 * i)
PY

cat > "$work/run.sh" <<RUN
set -eu
fail() { printf 'FAIL: %s\n' "\$*" >&2; exit 1; }
cd "$work"
labels='T-shirt/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle boot'
echo "== torchvino-classify (runtime library only)"
out=\$("$moved/bin/torchvino-classify" out/fp32/convnet.xml frames/frame1.png --top 5) || fail "torchvino-classify: \$out"
echo "\$out"
[ \$(echo "\$out" | grep -cE "^  [1-5]\. (\$labels) +0\.[0-9]{4}") -eq 5 ] || fail "no labelled top-5"
# Usage errors exit non-zero naming what is wrong; a missing image names the file.
if "$moved/bin/torchvino-classify" > usage.txt 2>&1; then fail "no arguments: exit 0"; fi
grep -qi "model is required" usage.txt || fail "no arguments: \$(cat usage.txt)"
if "$moved/bin/torchvino-classify" out/fp32/convnet.xml frames/absent.png > missing.txt 2>&1; then fail "missing image: exit 0"; fi
grep -q "frames/absent.png" missing.txt || fail "missing image: \$(cat missing.txt)"
echo "== torchvino classify"
"$moved/bin/torchvino" classify out/fp32/convnet.xml frames --json > classify.json || fail "torchvino classify"
[ \$(grep -c '"label"' classify.json) -eq 20 ] || fail "classify --json: \$(cat classify.json)"
echo "== torchvino eval"
"$moved/bin/torchvino" eval --mode fp32 --ir out/fp32/convnet.xml --limit 960 --threads 1 --out out > eval.txt 2>&1 ||
  fail "eval: \$(cat eval.txt)"
grep -E "^mode fp32 +accuracy [0-9.]+% +top5 [0-9.]+%" eval.txt || fail "eval printed no accuracy: \$(cat eval.txt)"
echo "== examples/ against the installed package"
cmake -S "$moved/share/torchvino/examples" -B examples -DCMAKE_PREFIX_PATH="$moved" -DCMAKE_BUILD_TYPE=Release \
  > examples-configure.txt 2>&1 || fail "configure: \$(cat examples-configure.txt)"
grep -q "$moved/lib/cmake/torchvino" examples/CMakeCache.txt || fail "find_package did not use the install"
cmake --build examples -j 2 > examples-build.txt 2>&1 || fail "build: \$(cat examples-build.txt)"
out=\$(examples/classify_image out/fp32/convnet.xml frames/frame2.png) || fail "classify_image: \$out"
echo "\$out"
[ \$(echo "\$out" | grep -cE "^(\$labels)	0\.") -eq 5 ] || fail "classify_image printed no labelled top-5"
out=\$(examples/stream out/fp32/convnet.xml frames 2 25 1) || fail "stream: \$out"
echo "\$out"
echo "\$out" | grep -qE "^frames 100 +requests 2 +[0-9.]+ frames/s" || fail "stream printed no rate"
RUN

if unshare -m true 2>/dev/null; then
  step "build tree and virtualenv hidden: $build, $venv"
  unshare -m sh -c "mount -t tmpfs none '$build' && mount -t tmpfs none '$venv' && sh '$work/run.sh'"
else
  step "cannot hide the build tree (unshare -m needs root): checking with ldd that nothing resolves into it"
  for f in "$moved"/bin/* "$moved"/lib/*.so*; do
    ldd "$f" | grep -E "$build|$venv" && fail "$f loads from the build tree or the virtualenv"
  done
  sh "$work/run.sh"
fi
echo "OK: installed, moved, and run without the build tree or the virtualenv"
