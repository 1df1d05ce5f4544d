#pragma once
// Decode-time GEMV straight from the stored weights: y [M][N] fp32 = x [M][K] fp32 . W^T for
// W [N][K] (nn.Linear's layout) stored as bf16, fp16 or fp32, M = 1..kDecodeGemvMaxRows. Every weight
// is widened to fp32 in registers (exact for all three) and accumulated in fp32, so the result is the
// fp32 product of the upcast weight up to summation order. Why: a decode step is bound by reading
// the weights. Half-precision weights are half the bytes of an fp32 copy, up to twice the tokens per
// second and no 540 MB fp32 copy of a 135M model; fp32 weights (a pseudo-quantized Q) are streamed
// once per step instead of being packed by BLAS's GEMM for a few rows first (bench/RESULTS.md).
// Each output is summed in the same order whatever the batch (a weight vector is loaded once for up
// to 4 rows of x), so a row's result does not depend on the other rows of the batch.
// Uses AVX2+FMA+F16C when the CPU has them, checked at run time; without them
// decodeGemvAvailable() is false and callers use BLAS (upcasting half weights). Split over output
// rows on libtorch's intra-op threads.
#include <ATen/Tensor.h>

namespace awb {

inline constexpr int64_t kDecodeGemvMaxRows = 8;

// True when this CPU runs the kernel (avx2, fma and f16c).
bool decodeGemvAvailable();

// True when x . weight^T goes through decodeGemv: x fp32 with at most kDecodeGemvMaxRows rows, weight
// a contiguous 2-D bf16/fp16/fp32 tensor, and the CPU has the kernel.
bool decodeGemvApplies(const at::Tensor& x, const at::Tensor& weight);

// x [..., K] fp32, weight [N, K] bf16/fp16/fp32 -> [..., N] fp32. Requires decodeGemvApplies(x, weight).
at::Tensor decodeGemv(const at::Tensor& x, const at::Tensor& weight);

// The same product for a pseudo-quantized weight held as int8 codes [N, K] and fp32 group scales
// [N, groups] (QuantCodes, core/model/model.h): each weight is code x scale, one fp32 product, summed in
// the order above, so the result is bit for bit decodeGemv's on the fp32 weight those codes equal.
// Applies to what decodeGemvApplies takes for x, with groups decodeGemvTakesGroups takes: a power of
// two (>= 8) or one per row of K. Inline: the quantizer asks it too, without linking the kernels.
inline bool decodeGemvTakesGroups(int64_t groupSize, int64_t K)
{
    return groupSize >= K || (groupSize >= 8 && (groupSize & (groupSize - 1)) == 0);
}
bool decodeGemvCodesApply(const at::Tensor& x, const at::Tensor& codes, const at::Tensor& scales, int64_t groupSize);
at::Tensor decodeGemvCodes(const at::Tensor& x, const at::Tensor& codes, const at::Tensor& scales, int64_t groupSize);

} // namespace awb
