#!/usr/bin/env bash
# Installs what a Native AOT publish needs on Linux besides the .NET SDK: clang (the linker driver) and zlib.
#   bash scripts/aot-prereqs.sh
set -euo pipefail
if command -v clang >/dev/null 2>&1 && [ -e /usr/include/zlib.h ]; then
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "aot-prereqs.sh: clang and zlib1g-dev are missing; run as root or install them" >&2; exit 1; }
echo "aot-prereqs.sh: installing clang and zlib1g-dev..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q clang zlib1g-dev >&2
