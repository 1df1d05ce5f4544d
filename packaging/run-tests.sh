#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds, and runs every test (the README's test command; CI runs it).
#   packaging/run-tests.sh               ./build, every test, then every fuzz target for 60 s
#                                        (build-fuzz/, clang; docs/hardening.md)
#   packaging/run-tests.sh --sanitize    ./build-asan: the same suite built with ASan + UBSan
#                                        (AWB_SANITIZE); any report fails the test that made it
set -euo pipefail
cd "$(dirname "$0")/.."
./packaging/setup-debian.sh
export QT_QPA_PLATFORM=offscreen
if [ "${1:-}" = "--sanitize" ]; then
  cmake -S . -B build-asan -G Ninja -DAWB_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$(nproc)"
  # libtorch and Qt are not instrumented: their one-time allocations at exit are not our leaks
  # (packaging/lsan.supp). The kernels' GPU memory is not ASan's business (protect_shadow_gap=0
  # lets the CUDA driver map where ASan's shadow gap would be).
  export ASAN_OPTIONS="detect_leaks=1:protect_shadow_gap=0:abort_on_error=1"
  export LSAN_OPTIONS="suppressions=$PWD/packaging/lsan.supp:print_suppressions=0"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  ctest --test-dir build-asan --output-on-failure -j"$(nproc)" --timeout 3600
  exit 0
fi
./packaging/build.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 1800
# The parsers against hostile input: a finding fails the run (issue 13).
./packaging/fuzz.sh --all 60
