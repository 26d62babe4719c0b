#!/usr/bin/env bash
# Installs what torchvino needs on Debian 12, only what is missing:
#   apt packages (compiler tools, C++ helper libraries, Fashion-MNIST) and
#   a project-local virtualenv (.venv) holding the pinned OpenVINO and LibTorch wheels.
# Safe to re-run: each part is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(cmake ninja-build g++ make python3-venv pkg-config
  libcli11-dev nlohmann-json3-dev zlib1g-dev libgtest-dev
  libstb-dev libpng-dev libturbojpeg0-dev libyaml-cpp-dev libcurl4-openssl-dev dataset-fashion-mnist)
# `setup.sh sanitize` (make test-sanitize, bench/fuzz.sh): clang with its sanitizer and libFuzzer
# runtimes, which only those builds use.
if [ "${1:-}" = sanitize ]; then APT_PACKAGES+=(clang libclang-rt-14-dev); fi
# `setup.sh test` (make test): the headless browser a test opens report.html in.
if [ "${1:-}" = test ]; then APT_PACKAGES+=(chromium); fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing apt packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
VENV=.venv
REQ=requirements/runtime.txt
STAMP=$VENV/.torchvino-stamp
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
  exit 0
fi
echo "setup: creating $VENV with $(grep -v '^#' "$REQ" | tr '\n' ' ')"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$REQ"
echo "$want" > "$STAMP"
