#!/usr/bin/env bash
# Configures and builds AWQ Workbench into ./build (Release-with-debug-info, Ninja).
# Extra arguments go to CMake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja "$@" >/dev/null
cmake --build build -j"$(nproc)"
