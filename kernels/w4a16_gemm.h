#pragma once
// W4A16 GEMM for prefill: y [M, N] fp16 = x [M, K] fp16 . W^T, W in AutoAWQ's GEMM layout
// (facts in core/awqformat/int4_reference.h): qweight int32 [K, N/8], qzeros int32 [K/G, N/8],
// scales fp16 [K/G, N]; G = -1 means one group of K. fp32 accumulation, fp16 output.
//
// Kernels:
//   TensorCore  sm_80+, mma.sync m16n8k16 (f16 x f16 -> f32); 16/32/64 x 64 output tiles, K steps
//               of 32 dequantized into shared memory as fp16 (round((code - zero) * scale), exactly
//               what AutoAWQ's fp16 dequantize produces). Needs K % 32 == 0 and G % 32 == 0 (so a
//               K step never straddles a group); any M and any N % 8 == 0 (edges are guarded).
//   Plain       any CUDA device, any shape the format allows: one thread per output, fp32 dequant.
//               The fallback for old GPUs and odd shapes; correct, not fast.
// For M <= 8 use launchW4A16Gemv (kernels/w4a16_gemv.h), which is bandwidth-bound and faster.
//
// All pointers are device memory, dense, row-major, cudaMalloc-aligned; y must not alias inputs.
// The launch is asynchronous on `stream`; the caller owns every buffer. Shapes the format cannot
// hold throw awb::ShapeError, an impossible request (TensorCore on sm_75, K % 32 != 0) throws
// awb::ShapeError too, CUDA failures throw awb::CudaError. Any host thread may call it.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

namespace awb {

enum class W4A16Kernel { Auto, Gemv, TensorCore, Plain };

const char* w4a16KernelName(W4A16Kernel kernel);

// Returns the kernel that ran. Auto picks TensorCore when the device and shape allow it, else Plain.
W4A16Kernel launchW4A16Gemm(const __half* x, const int32_t* qweight, const int32_t* qzeros, const __half* scales,
                            __half* y, int M, int K, int N, int G, cudaStream_t stream = nullptr,
                            W4A16Kernel kernel = W4A16Kernel::Auto);

} // namespace awb
