#include "core/model/decode_attention.h"

#include "core/base/cpu_features.h"
#include "core/base/error.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <cmath>
#include <vector>

namespace awb {

namespace detail {
// core/model/decode_attention_avx2.cpp (compiled with -mavx2 -mfma; only called after the CPU check).
void attentionScoresAvx2(const float* q, int64_t nq, const float* keys, int64_t n, int64_t hd, float* scores, int64_t stride);
void softmaxAvx2(float* s, int64_t n);
void attentionValuesAvx2(const float* p, int64_t stride, int64_t nq, const float* values, int64_t n, int64_t hd, float* ctx);
} // namespace detail

namespace {

// The scalar loops, in the AVX2 file's structure: for CPUs without AVX2 and odd head widths.
void scoresScalar(const float* q, int64_t nq, const float* keys, int64_t n, int64_t hd, float* scores, int64_t stride)
{
    for (int64_t i = 0; i < nq; ++i)
        for (int64_t j = 0; j < n; ++j) {
            float s = 0;
            for (int64_t d = 0; d < hd; ++d)
                s += q[i * hd + d] * keys[j * hd + d];
            scores[i * stride + j] = s;
        }
}

void softmaxScalar(float* s, int64_t n)
{
    const float top = *std::max_element(s, s + n);
    float total = 0;
    for (int64_t j = 0; j < n; ++j)
        total += s[j] = std::exp(s[j] - top);
    for (int64_t j = 0; j < n; ++j)
        s[j] /= total;
}

void valuesScalar(const float* p, int64_t stride, int64_t nq, const float* values, int64_t n, int64_t hd, float* ctx)
{
    for (int64_t i = 0; i < nq; ++i)
        for (int64_t j = 0; j < n; ++j)
            for (int64_t d = 0; d < hd; ++d)
                ctx[i * hd + d] += p[i * stride + j] * values[j * hd + d];
}

struct Kernels {
    decltype(&scoresScalar) scores;
    decltype(&softmaxScalar) softmax;
    decltype(&valuesScalar) values;
};

Kernels kernelsFor(int64_t headDim)
{
    if (cpuHasAvx2FmaF16c() && headDim % 8 == 0)
        return {detail::attentionScoresAvx2, detail::softmaxAvx2, detail::attentionValuesAvx2};
    return {scoresScalar, softmaxScalar, valuesScalar};
}

// One layer's keys or values as [rows, kv heads, positions, headDim] with contiguous positions.
struct Rows {
    const float* data;
    int64_t rowStride, headStride;
    const float* at(int64_t row, int64_t head, int64_t position, int64_t hd) const
    {
        return data + row * rowStride + head * headStride + position * hd;
    }
};

Rows rowsOf(const at::Tensor& t)
{
    if (!t.defined())
        return {nullptr, 0, 0};
    if (t.scalar_type() != at::kFloat || t.dim() != 4 || t.stride(3) != 1 || t.stride(2) != t.size(3))
        throw ShapeError("decode attention: the KV cache must be fp32 [rows, heads, positions, headDim] with contiguous positions");
    return {t.data_ptr<float>(), t.stride(0), t.stride(1)};
}

} // namespace

at::Tensor decodeAttention(const ModelConfig& c, const at::Tensor& q, const KvCache& cache, size_t layer, int64_t length)
{
    const int64_t B = q.size(0), hd = c.headDim, group = c.nHeads / c.nKvHeads, S = cache.rowsPerPrefix;
    const int64_t prefix = cache.prefixLength;
    if (q.dim() != 3 || q.size(1) != c.nHeads || q.size(2) != hd || B % S != 0 || length <= prefix)
        throw ShapeError("decode attention: q must be [rows, heads, headDim], rows a multiple of the rows per prefix");
    const Rows ownK = rowsOf(cache.keys[layer]), ownV = rowsOf(cache.values[layer]);
    const Rows preK = prefix ? rowsOf(cache.prefixKeys[layer]) : Rows{}, preV = prefix ? rowsOf(cache.prefixValues[layer]) : Rows{};
    const at::Tensor qs = (q * (1.0 / std::sqrt(static_cast<double>(hd)))).contiguous(); // as the full attention scales q
    const float* qp = qs.data_ptr<float>();
    at::Tensor out = at::empty({B, c.nHeads, hd}, q.options());
    float* op = out.data_ptr<float>();
    const Kernels k = kernelsFor(hd);
    const int64_t groups = B / S;
    // One task per (prefix row, kv head): the S rows of a prefix and their `group` query heads each.
    at::parallel_for(0, groups * c.nKvHeads, 1, [&](int64_t t0, int64_t t1) {
        std::vector<float> queries, scores, ctx;
        for (int64_t t = t0; t < t1; ++t) {
            const int64_t g = t / c.nKvHeads, h = t % c.nKvHeads, b0 = g * S, nq = S * group;
            const int64_t start = cache.rowStart.empty() ? 0 : cache.rowStart[static_cast<size_t>(b0)];
            const int64_t ownFrom = std::max(start, prefix), n = length - start;
            queries.resize(static_cast<size_t>(nq * hd));
            for (int64_t s = 0; s < S; ++s)
                std::copy_n(qp + ((b0 + s) * c.nHeads + h * group) * hd, group * hd, queries.data() + s * group * hd);
            scores.resize(static_cast<size_t>(nq * n));
            ctx.assign(static_cast<size_t>(nq * hd), 0.0f);
            if (start < prefix)
                k.scores(queries.data(), nq, preK.at(g, h, start, hd), prefix - start, hd, scores.data(), n);
            for (int64_t s = 0; s < S; ++s)
                k.scores(queries.data() + s * group * hd, group, ownK.at(b0 + s, h, ownFrom - prefix, hd), length - ownFrom, hd,
                         scores.data() + s * group * n + (ownFrom - start), n);
            for (int64_t i = 0; i < nq; ++i)
                k.softmax(scores.data() + i * n, n);
            if (start < prefix)
                k.values(scores.data(), n, nq, preV.at(g, h, start, hd), prefix - start, hd, ctx.data());
            for (int64_t s = 0; s < S; ++s)
                k.values(scores.data() + s * group * n + (ownFrom - start), n, group, ownV.at(b0 + s, h, ownFrom - prefix, hd),
                         length - ownFrom, hd, ctx.data() + s * group * hd);
            for (int64_t s = 0; s < S; ++s)
                std::copy_n(ctx.data() + s * group * hd, group * hd, op + ((b0 + s) * c.nHeads + h * group) * hd);
        }
    });
    return out;
}

} // namespace awb
