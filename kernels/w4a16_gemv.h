#pragma once
// W4A16 GEMV for decode: y [M, N] fp16 = x [M, K] fp16 . W^T for M = 1..8, W in AutoAWQ's GEMM
// layout (qweight int32 [K, N/8], qzeros int32 [K/G, N/8], scales fp16 [K/G, N]; G = -1 means K;
// facts in core/awqformat/int4_reference.h). fp32 accumulation; weights are dequantized in registers, never
// written back to global memory.
//
// The GEMV kernel needs N % 32 == 0 (128-bit qweight loads of 4 words) and G % 4 == 0 (four
// consecutive rows share a group); M > 8 or other shapes run the plain kernel of w4a16_gemm.h
// instead, and the return value says which kernel ran.
//
// All pointers are device memory, dense, row-major, cudaMalloc-aligned; y must not alias inputs.
// Asynchronous on `stream`; the caller owns every buffer. Shapes the format cannot hold throw
// awb::ShapeError, CUDA failures awb::CudaError. Any host thread may call it.
#include "kernels/w4a16_gemm.h"

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace awb {

inline constexpr int kW4A16GemvMaxRows = 8;

W4A16Kernel launchW4A16Gemv(const __half* x, const int32_t* qweight, const int32_t* qzeros, const __half* scales,
                            __half* y, int M, int K, int N, int G, cudaStream_t stream = nullptr);

} // namespace awb
