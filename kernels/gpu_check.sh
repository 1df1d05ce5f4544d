#!/usr/bin/env bash
# GPU checks for kernels/ in one go, for a bare GPU machine with only the CUDA Toolkit and CMake:
# build standalone for this card's architecture, run the test binary (CPU + GPU checks), the bench,
# and compute-sanitizer's memcheck over the GPU checks where the sanitizer works.
#   kernels/gpu_check.sh [LOG_DIR]        (run from the repository root; logs go to LOG_DIR, default gpu-logs;
#                                          MEMCHECK=0 skips the sanitizer)
set -uo pipefail
logs=${1:-gpu-logs}
mkdir -p "$logs"
arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem --format=csv | tee "$logs/device.txt"
echo "building for sm_${arch:-90}"
cmake -S kernels -B build-gpu -DCMAKE_CUDA_ARCHITECTURES="${arch:-90}" -DCMAKE_BUILD_TYPE=Release >"$logs/build.log" 2>&1 &&
  cmake --build build-gpu -j"$(nproc)" >>"$logs/build.log" 2>&1 || { tail -40 "$logs/build.log"; exit 1; }
status=0
build-gpu/tst_kernels 2>&1 | tee "$logs/tst_kernels.log" | grep -v '^  ok' || status=1
build-gpu/bench_kernels 100 2>&1 | tee "$logs/bench_kernels.log" || status=1
if [ "${MEMCHECK:-1}" = 1 ] && command -v compute-sanitizer >/dev/null; then
  # Small shapes only would be quicker, but the model shapes are where tiling edges live.
  timeout 150 compute-sanitizer --tool memcheck --print-limit 20 build-gpu/tst_kernels --gpu-only \
    >"$logs/memcheck.log" 2>&1
  echo "memcheck exit $?"; grep -E "ERROR SUMMARY|Device not supported|error" "$logs/memcheck.log" | head -5
fi
exit $status
