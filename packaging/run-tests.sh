#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds, and runs every test (the README's test command; CI runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
./packaging/setup-debian.sh
./packaging/build.sh
export QT_QPA_PLATFORM=offscreen
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 1800
