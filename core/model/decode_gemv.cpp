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
} // namespace detail

bool decodeGemvAvailable() { return cpuHasAvx2FmaF16c(); }

bool decodeGemvApplies(const at::Tensor& x, const at::Tensor& weight)
{
    const auto type = weight.scalar_type();
    return (type == at::kBFloat16 || type == at::kHalf || type == at::kFloat) && weight.dim() == 2 && weight.is_contiguous() &&
           x.scalar_type() == at::kFloat && x.numel() > 0 && x.numel() / x.size(-1) <= kDecodeGemvMaxRows &&
           x.size(-1) == weight.size(1) && decodeGemvAvailable();
}

at::Tensor decodeGemv(const at::Tensor& x, const at::Tensor& weight)
{
    if (!decodeGemvApplies(x, weight))
        throw ShapeError("decode GEMV: needs fp32 x of at most " + std::to_string(kDecodeGemvMaxRows) +
                         " rows, a contiguous bf16/fp16/fp32 [N, K] weight and an AVX2 CPU");
    const int64_t K = weight.size(1), N = weight.size(0), M = x.numel() / K;
    const at::Tensor xc = x.contiguous();
    std::vector<int64_t> outShape = x.sizes().vec();
    outShape.back() = N;
    at::Tensor y = at::empty(outShape, x.options());
    const float* xp = xc.data_ptr<float>();
    const void* wp = weight.data_ptr();
    const int weightBytes = static_cast<int>(weight.element_size());
    const bool bf16 = weight.scalar_type() == at::kBFloat16;
    float* yp = y.data_ptr<float>();
    // 64 output rows per task: 64 x K x 2-4 bytes is a few pages of weights, enough to amortise a task.
    at::parallel_for(0, N, 64, [&](int64_t n0, int64_t n1) { detail::decodeGemvAvx2Range(xp, wp, weightBytes, bf16, M, K, N, n0, n1, yp); });
    return y;
}

} // namespace awb
