#include "core/model/decode_gemv.h"

#include "core/base/cpu_features.h"
#include "core/base/error.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

namespace awb {

namespace detail {
// core/model/decode_gemv_avx2.cpp (compiled with -mavx2 -mfma -mf16c; only called after the CPU check).
void decodeGemvAvx2Range(const float* x, const void* w, int weightBytes, bool bf16, int64_t M, int64_t K, int64_t N,
                         int64_t nBegin, int64_t nEnd, float* y);
void decodeGemvCodesAvx2Range(const float* x, const int8_t* codes, const float* scales, int64_t groups, int groupShift, int64_t M,
                              int64_t K, int64_t N, int64_t nBegin, int64_t nEnd, float* y);
} // namespace detail

namespace {

bool fewRowsOf(const at::Tensor& x, int64_t K)
{
    return x.scalar_type() == at::kFloat && x.numel() > 0 && x.size(-1) == K && x.numel() / K <= kDecodeGemvMaxRows;
}

// y [..., N] for x [..., K] against N weight rows, split over output rows on libtorch's intra-op
// threads: range(x, M, n0, n1, y) computes outputs n0 .. n1 - 1 of all M rows of x.
template <typename Range>
at::Tensor overOutputRows(const at::Tensor& x, int64_t K, int64_t N, Range range)
{
    const at::Tensor xc = x.contiguous();
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = N;
    at::Tensor y = at::empty(shape, x.options());
    const float* xp = xc.data_ptr<float>();
    float* yp = y.data_ptr<float>();
    const int64_t M = x.numel() / K;
    // 64 output rows per task: 64 x K x 1-4 bytes is a few pages of weights, enough to amortise a task.
    at::parallel_for(0, N, 64, [&](int64_t n0, int64_t n1) { range(xp, M, n0, n1, yp); });
    return y;
}

} // namespace

bool decodeGemvAvailable() { return cpuHasAvx2FmaF16c(); }

bool decodeGemvApplies(const at::Tensor& x, const at::Tensor& weight)
{
    const auto type = weight.scalar_type();
    return (type == at::kBFloat16 || type == at::kHalf || type == at::kFloat) && weight.dim() == 2 && weight.is_contiguous() &&
           fewRowsOf(x, weight.size(1)) && decodeGemvAvailable();
}

at::Tensor decodeGemv(const at::Tensor& x, const at::Tensor& weight)
{
    if (!decodeGemvApplies(x, weight))
        throw ShapeError("decode GEMV: needs fp32 x of at most " + std::to_string(kDecodeGemvMaxRows) +
                         " rows, a contiguous bf16/fp16/fp32 [N, K] weight and an AVX2 CPU");
    const int64_t K = weight.size(1), N = weight.size(0);
    const void* wp = weight.data_ptr();
    const int weightBytes = static_cast<int>(weight.element_size());
    const bool bf16 = weight.scalar_type() == at::kBFloat16;
    return overOutputRows(x, K, N, [&](const float* xp, int64_t M, int64_t n0, int64_t n1, float* yp) {
        detail::decodeGemvAvx2Range(xp, wp, weightBytes, bf16, M, K, N, n0, n1, yp);
    });
}

bool decodeGemvCodesApply(const at::Tensor& x, const at::Tensor& codes, const at::Tensor& scales, int64_t groupSize)
{
    if (codes.scalar_type() != at::kChar || codes.dim() != 2 || !codes.is_contiguous() || scales.scalar_type() != at::kFloat ||
        scales.dim() != 2 || !scales.is_contiguous() || !fewRowsOf(x, codes.size(1)) || !decodeGemvAvailable())
        return false;
    const int64_t K = codes.size(1);
    return decodeGemvTakesGroups(groupSize, K) && scales.size(0) == codes.size(0) &&
           scales.size(1) == (groupSize >= K ? 1 : (K + groupSize - 1) / groupSize);
}

at::Tensor decodeGemvCodes(const at::Tensor& x, const at::Tensor& codes, const at::Tensor& scales, int64_t groupSize)
{
    if (!decodeGemvCodesApply(x, codes, scales, groupSize))
        throw ShapeError("decode GEMV: needs fp32 x of at most " + std::to_string(kDecodeGemvMaxRows) +
                         " rows, contiguous int8 codes [N, K] with fp32 scales [N, groups] of a power-of-two group, and an AVX2 CPU");
    const int64_t K = codes.size(1), N = codes.size(0);
    const int8_t* cp = codes.data_ptr<int8_t>();
    const float* sp = scales.data_ptr<float>();
    const int64_t groups = scales.size(1);
    // log2 of the group; one group a row has one scale for every k (k >> 62 is 0)
    const int shift = groupSize >= K ? 62 : __builtin_ctzll(static_cast<unsigned long long>(groupSize));
    return overOutputRows(x, K, N, [&](const float* xp, int64_t M, int64_t n0, int64_t n1, float* yp) {
        detail::decodeGemvCodesAvx2Range(xp, cp, sp, groups, shift, M, K, N, n0, n1, yp);
    });
}

} // namespace awb
