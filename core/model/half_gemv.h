#pragma once
// Decode-time GEMV straight from bf16/fp16 weights: y [M][N] fp32 = x [M][K] fp32 . W^T for
// W [N][K] (nn.Linear's layout) stored as bf16 or fp16, M = 1..kHalfGemvMaxRows. Every weight is
// widened to fp32 in registers (exact for both formats) and accumulated in fp32, so the result is the
// fp32 product of the upcast weight up to summation order. Why: a decode step is bound by reading
// the weights, and half the bytes of an fp32 copy is up to twice the tokens per second (and no
// 540 MB fp32 copy of a 135M model). Uses AVX2+FMA+F16C when the CPU has them, checked at run time;
// without them halfGemvAvailable() is false and callers upcast instead. Split over output rows on
// libtorch's intra-op threads.
#include <ATen/Tensor.h>

namespace awb {

inline constexpr int64_t kHalfGemvMaxRows = 8;

// True when this CPU runs the kernel (avx2, fma and f16c).
bool halfGemvAvailable();

// True when x . weight^T goes through halfGemv: x fp32 with at most kHalfGemvMaxRows rows, weight a
// contiguous 2-D bf16/fp16 tensor, and the CPU has the kernel.
bool halfGemvApplies(const at::Tensor& x, const at::Tensor& weight);

// x [..., K] fp32, weight [N, K] bf16/fp16 -> [..., N] fp32. Requires halfGemvApplies(x, weight).
at::Tensor halfGemv(const at::Tensor& x, const at::Tensor& weight);

} // namespace awb
