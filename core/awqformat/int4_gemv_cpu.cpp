#include "core/awqformat/int4_gemv_cpu.h"

#include "core/base/cpu_features.h"
#include "core/base/error.h"
#include "core/base/half.h"
#include "core/awqformat/int4_reference.h"

#include <ATen/Parallel.h>

#include <string>
#include <vector>

namespace awb {

namespace detail {
// core/awqformat/int4_gemv_avx2.cpp (compiled with -mavx2 -mfma -mf16c; only called after the CPU check).
void int4GemvAvx2Range(const float* x, const float* xSums, const int32_t* qweight, const int32_t* qzeros,
                       const uint16_t* scales, int64_t M, int64_t K, int64_t N, int64_t group, int64_t blockBegin,
                       int64_t blockEnd, float* work, float* y);
} // namespace detail

bool int4GemvCpuHasAvx2() { return cpuHasAvx2FmaF16c(); }

namespace {
// Portable path: same algorithm (codes summed per group, zero and scale applied once per group),
// one output column at a time.
void scalarRange(const float* x, const float* xSums, const int32_t* qweight, const int32_t* qzeros,
                 const uint16_t* scales, int64_t M, int64_t K, int64_t N, int64_t group, int64_t nBegin,
                 int64_t nEnd, float* y)
{
    const int64_t groups = K / group;
    for (int64_t n = nBegin; n < nEnd; ++n) {
        float out[kInt4GemvMaxRows] = {};
        for (int64_t g = 0; g < groups; ++g) {
            float sums[kInt4GemvMaxRows] = {};
            for (int64_t k = g * group; k < (g + 1) * group; ++k) {
                const float code = float(awqCode(qweight, N, k, n));
                for (int64_t m = 0; m < M; ++m)
                    sums[m] += x[m * K + k] * code;
            }
            const float scale = halfToFloat(scales[g * N + n]);
            const float zero = float(awqCode(qzeros, N, g, n));
            for (int64_t m = 0; m < M; ++m)
                out[m] += scale * (sums[m] - zero * xSums[m * groups + g]);
        }
        for (int64_t m = 0; m < M; ++m)
            y[m * N + n] = out[m];
    }
}
} // namespace

void int4GemvCpu(const float* x, const int32_t* qweight, const int32_t* qzeros, const uint16_t* scales,
                 int64_t M, int64_t K, int64_t N, int64_t G, float* y, Int4GemvPath path)
{
    const int64_t group = awqGroupSize(K, N, G);
    if (M < 1 || M > kInt4GemvMaxRows)
        throw ShapeError("int4 GEMV: " + std::to_string(M) + " rows; it handles 1.." +
                         std::to_string(kInt4GemvMaxRows) + " (use the GEMM path for more)");
    const int64_t groups = K / group;
    std::vector<float> xSums(size_t(M * groups));
    for (int64_t m = 0; m < M; ++m)
        for (int64_t g = 0; g < groups; ++g) {
            float s = 0.0f;
            for (int64_t k = g * group; k < (g + 1) * group; ++k)
                s += x[m * K + k];
            xSums[size_t(m * groups + g)] = s;
        }

    const bool avx2 = path == Int4GemvPath::Avx2 || (path == Int4GemvPath::Auto && int4GemvCpuHasAvx2());
    if (avx2 && !int4GemvCpuHasAvx2())
        throw Error("int4 GEMV: the AVX2 path was requested but this CPU lacks avx2/fma/f16c");
    if (avx2) {
        // Work splits into blocks of 64 output columns; each thread owns whole blocks, so no two
        // threads write the same cache line of y.
        const int64_t blocks = (N / 8 + 7) / 8;
        at::parallel_for(0, blocks, 4, [&](int64_t b0, int64_t b1) {
            std::vector<float> work(size_t((b1 - b0) * M * 64));
            detail::int4GemvAvx2Range(x, xSums.data(), qweight, qzeros, scales, M, K, N, group, b0, b1,
                                      work.data(), y);
        });
    } else {
        at::parallel_for(0, N, 64, [&](int64_t n0, int64_t n1) {
            scalarRange(x, xSums.data(), qweight, qzeros, scales, M, K, N, group, n0, n1, y);
        });
    }
}

} // namespace awb
