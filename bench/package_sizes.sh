#!/usr/bin/env bash
# Sizes of what torchvino ships: each install component unpacked (cmake --install --component),
# and the packages `make package` writes (.tar.gz, .deb), with the largest files of each.
#   bash bench/package_sizes.sh [BUILD=build]
# Writes the table to bench/results/package-sizes-DATE.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
[ -f "$BUILD/CPackConfig.cmake" ] || { echo "no configured build in $BUILD (make build)" >&2; exit 2; }
work=$(mktemp -d /tmp/torchvino-sizes.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p bench/results
out=bench/results/package-sizes-$(date -u +%F).txt
mb() { awk -v b="$1" 'BEGIN {printf "%.1f MB", b / 1e6}'; }
{
  echo "# bench/package_sizes.sh: $(date -u +%F), torchvino $(sed -n 's/.*VERSION_STRING "\(.*\)"/\1/p' "$BUILD/generated/torchvino/version.hpp")"
  for component in runtime cli; do
    cmake --install "$BUILD" --component "$component" --prefix "$work/$component" >/dev/null
    echo "component $component: $(mb "$(du -sb "$work/$component" | cut -f1)") unpacked, largest files:"
    find "$work/$component" -type f -printf '%s %P\n' | sort -rn | head -5 |
      while read -r size name; do echo "  $(mb "$size")  $name"; done
  done
  (cd "$BUILD" && cpack >/dev/null)
  for f in "$BUILD"/torchvino*-runtime.tar.gz "$BUILD"/torchvino*-cli.tar.gz "$BUILD"/torchvino-runtime_*.deb \
           "$BUILD"/torchvino-cli_*.deb; do
    [ -f "$f" ] && echo "package $(basename "$f"): $(mb "$(stat -c %s "$f")")"
  done
} | tee "$out"
