#include "core/awqformat/int4_gemv_cpu.h"

#include "core/base/cpu_features.h"
#include "core/base/error.h"
#include "core/base/half.h"
#include "core/awqformat/int4_reference.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace awb {

namespace detail {
// core/awqformat/int4_gemv_avx2.cpp (compiled with -mavx2 -mfma -mf16c; only called after the CPU check).
void int4GemvAvx2Range(const float* x, const float* xSums, const int32_t* qweight, bool tiles, const int32_t* qzeros,
                       const uint16_t* scales, int64_t M, int64_t K, int64_t N, int64_t group, int64_t wordBegin,
                       int64_t wordEnd, float* work, float* y);
} // namespace detail

bool int4GemvCpuHasAvx2() { return cpuHasAvx2FmaF16c(); }

namespace {
// Code of column n, row k of a weight's packed words in either layout (Int4Words). A tile's row is
// itself a packed row of 64 columns.
int codeAt(const Int4GemvOperand& w, int64_t K, int64_t k, int64_t n)
{
    if (w.words == Int4Words::AutoAwq)
        return awqCode(w.qweight, w.N, k, n);
    return awqCode(w.qweight + tiledWordIndex(K, k, n / 64 * 8), 64, 0, n % 64);
}

// Portable path: same algorithm (codes summed per group, zero and scale applied once per group),
// one output column at a time.
void scalarRange(const float* x, const float* xSums, const Int4GemvOperand& w, int64_t M, int64_t K, int64_t group,
                 int64_t nBegin, int64_t nEnd)
{
    const int64_t groups = K / group, N = w.N;
    for (int64_t n = nBegin; n < nEnd; ++n) {
        float out[kInt4GemvMaxRows] = {};
        for (int64_t g = 0; g < groups; ++g) {
            float sums[kInt4GemvMaxRows] = {};
            for (int64_t k = g * group; k < (g + 1) * group; ++k) {
                const float code = float(codeAt(w, K, k, n));
                for (int64_t m = 0; m < M; ++m)
                    sums[m] += x[m * K + k] * code;
            }
            const float scale = halfToFloat(w.scales[g * N + n]);
            const float zero = float(awqCode(w.qzeros, N, g, n));
            for (int64_t m = 0; m < M; ++m)
                out[m] += scale * (sums[m] - zero * xSums[m * groups + g]);
        }
        for (int64_t m = 0; m < M; ++m)
            w.y[m * N + n] = out[m];
    }
}
} // namespace

void int4GemvCpu(const float* x, const int32_t* qweight, const int32_t* qzeros, const uint16_t* scales,
                 int64_t M, int64_t K, int64_t N, int64_t G, float* y, Int4GemvPath path)
{
    int4GemvCpuMany(x, M, K, {{qweight, qzeros, scales, N, G, y}}, path);
}

void int4GemvCpuMany(const float* x, int64_t M, int64_t K, const std::vector<Int4GemvOperand>& weights, Int4GemvPath path)
{
    if (M < 1 || M > kInt4GemvMaxRows)
        throw ShapeError("int4 GEMV: " + std::to_string(M) + " rows; it handles 1.." +
                         std::to_string(kInt4GemvMaxRows) + " (use the GEMM path for more)");
    const bool avx2 = path == Int4GemvPath::Avx2 || (path == Int4GemvPath::Auto && int4GemvCpuHasAvx2());
    if (avx2 && !int4GemvCpuHasAvx2())
        throw Error("int4 GEMV: the AVX2 path was requested but this CPU lacks avx2/fma/f16c");

    // x's sums over the groups of each group size (to apply the zeros once per group), computed once
    // for the weights that share it, as a block's q/k/v do. Per weight: its group, those sums, and
    // where its packed words start in the words of all weights, which the threads split between them
    // (whole tiles of a tiled weight: a thread's run of it starts at a tile).
    bool tiles = false;
    std::map<int64_t, std::vector<float>> xSums;
    struct Part {
        Int4GemvOperand w;
        int64_t group, firstWord;
        const float* xSums;
    };
    std::vector<Part> parts;
    int64_t totalWords = 0;
    for (const Int4GemvOperand& w : weights) {
        const int64_t group = awqGroupSize(K, w.N, w.G), groups = K / group;
        const auto [sums, fresh] = xSums.try_emplace(group, size_t(M * groups));
        if (fresh)
            for (int64_t m = 0; m < M; ++m)
                for (int64_t g = 0; g < groups; ++g) {
                    float s = 0.0f;
                    for (int64_t k = g * group; k < (g + 1) * group; ++k)
                        s += x[m * K + k];
                    sums->second[size_t(m * groups + g)] = s;
                }
        parts.push_back({w, group, totalWords, sums->second.data()});
        tiles = tiles || w.words == Int4Words::Tiles;
        totalWords += w.words == Int4Words::Tiles ? (w.N / 8 + 7) / 8 * 8 : w.N / 8;
    }

    // Each thread takes one run of words (a multiple of 4: 32 columns, so no two threads write a cache
    // line of y; of 8 where tiles are split) and walks the weights that run covers.
    const int64_t step = tiles ? 8 : 4;
    const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), (totalWords + step - 1) / step));
    const int64_t share = (totalWords / threads + step - 1) / step * step;
    at::parallel_for(0, threads, 1, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
            const int64_t begin = std::min(totalWords, t * share);
            const int64_t end = t + 1 == threads ? totalWords : std::min(totalWords, (t + 1) * share);
            std::vector<float> work;
            for (const Part& p : parts) {
                const int64_t w0 = std::max(begin, p.firstWord) - p.firstWord;
                const int64_t w1 = std::min(end, p.firstWord + p.w.N / 8) - p.firstWord;
                if (w0 >= w1)
                    continue;
                if (avx2) {
                    work.resize(size_t((w1 - w0 + 7) / 8 * M * 64));
                    detail::int4GemvAvx2Range(x, p.xSums, p.w.qweight, p.w.words == Int4Words::Tiles, p.w.qzeros,
                                              p.w.scales, M, K, p.w.N, p.group, w0, w1, work.data(), p.w.y);
                } else {
                    scalarRange(x, p.xSums, p.w, M, K, p.group, 8 * w0, 8 * w1);
                }
            }
        }
    });
}

} // namespace awb
