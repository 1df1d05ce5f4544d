#include "core/model/prefill_attention.h"

#include "core/base/cpu_features.h"
#include "core/base/error.h"
#include "core/model/model_config.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <cmath>

namespace awb {

namespace detail {
// core/model/prefill_attention_avx2.cpp and core/model/decode_attention_avx2.cpp (compiled with
// -mavx2 -mfma; only called after the CPU check).
void attentionProductAvx2(const float* a, int64_t lda, int64_t rows, const float* b, int64_t ldb, int64_t K, int64_t blocks,
                          float* c, int64_t ldc);
void softmaxAvx2(float* s, int64_t n);
} // namespace detail

namespace {

constexpr int64_t kTileRows = 6; // query positions per tile: 12 accumulators of the product's 16 registers

int64_t roundUp16(int64_t n) { return (n + 15) / 16 * 16; }

void checkOperand(const at::Tensor& t, const at::Tensor& q, int64_t kvHeads, int64_t positions, const char* name)
{
    if (t.scalar_type() != at::kFloat || t.dim() != 4 || t.size(0) != q.size(0) || t.size(1) != kvHeads || t.size(2) < positions ||
        t.size(3) != q.size(3) || t.stride(3) != 1 || t.stride(2) != t.size(3))
        throw ShapeError(std::string("prefill attention: ") + name + " must be fp32 [B, kv heads, positions, headDim] with contiguous positions");
}

} // namespace

bool prefillAttentionAvailable(int64_t headDim)
{
    return headDim % 16 == 0 && cpuHasAvx2FmaF16c();
}

at::Tensor prefillAttention(const ModelConfig& c, const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                            int64_t startPos, const std::vector<int64_t>& rowStart)
{
    if (q.dim() != 4 || q.size(1) != c.nHeads || q.size(3) != c.headDim || !prefillAttentionAvailable(c.headDim) ||
        (!rowStart.empty() && static_cast<int64_t>(rowStart.size()) != q.size(0)))
        throw ShapeError("prefill attention: q must be [B, heads, T, headDim] on a CPU with AVX2 and headDim a multiple of 16");
    const int64_t B = q.size(0), H = c.nHeads, T = q.size(2), hd = c.headDim, group = c.nHeads / c.nKvHeads;
    const int64_t S = startPos + T;
    checkOperand(keys, q, c.nKvHeads, S, "keys");
    checkOperand(values, q, c.nKvHeads, S, "values");
    const at::Tensor qs = (q * (1.0 / std::sqrt(static_cast<double>(hd)))).contiguous(); // as the ATen path scales q
    at::Tensor out = at::empty({B, T, H, hd}, q.options());
    const float* qp = qs.data_ptr<float>();
    const float* kp = keys.data_ptr<float>();
    const float* vp = values.data_ptr<float>();
    float* op = out.data_ptr<float>();
    // Keys transposed to [hd, width] for the score tiles; a tile's 16-column blocks may run past S
    // into zero columns, whose scores are never used.
    const int64_t width = roundUp16(S) + 16;
    // One task per (row, kv head): its keys are transposed once for the `group` query heads that read them.
    at::parallel_for(0, B * c.nKvHeads, 1, [&](int64_t task0, int64_t task1) {
        std::vector<float> kt(static_cast<size_t>(hd * width)), scores;
        for (int64_t task = task0; task < task1; ++task) {
            const int64_t b = task / c.nKvHeads, kvh = task % c.nKvHeads;
            const float* K = kp + b * keys.stride(0) + kvh * keys.stride(1);
            const float* V = vp + b * values.stride(0) + kvh * values.stride(1);
            for (int64_t d = 0; d < hd; ++d) {
                float* row = kt.data() + d * width;
                for (int64_t j = 0; j < S; ++j)
                    row[j] = K[j * hd + d];
                std::fill(row + S, row + width, 0.0f);
            }
            const int64_t pad = rowStart.empty() ? 0 : rowStart[static_cast<size_t>(b)];
            const auto firstKey = [pad](int64_t p) { return p >= pad ? pad : int64_t(0); }; // non-decreasing in p
            for (int64_t h = kvh * group; h < (kvh + 1) * group; ++h) {
                const float* qh = qp + (b * H + h) * T * hd;
                for (int64_t i0 = 0; i0 < T; i0 += kTileRows) {
                    const int64_t rows = std::min(kTileRows, T - i0), first = startPos + i0;
                    const int64_t kb = firstKey(first), ke = first + rows; // keys any row of the tile sees
                    const int64_t blocks = (ke - kb + 15) / 16, w = blocks * 16;
                    scores.resize(static_cast<size_t>(rows * w));
                    detail::attentionProductAvx2(qh + i0 * hd, hd, rows, kt.data() + kb, width, hd, blocks, scores.data(), w);
                    for (int64_t r = 0; r < rows; ++r) {
                        float* s = scores.data() + r * w;
                        const int64_t from = firstKey(first + r) - kb, n = first + r + 1 - firstKey(first + r);
                        detail::softmaxAvx2(s + from, n);
                        std::fill(s, s + from, 0.0f);
                        std::fill(s + from + n, s + w, 0.0f);
                    }
                    detail::attentionProductAvx2(scores.data(), w, rows, V + kb * hd, hd, ke - kb, hd / 16,
                                                 op + ((b * T + i0) * H + h) * hd, H * hd);
                }
            }
        }
    });
    return out.view({B, T, H * hd});
}

} // namespace awb
