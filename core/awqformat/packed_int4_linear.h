#pragma once
#include <ATen/Tensor.h>

#include <cstdint>

namespace awb {

// A linear kept as stored in an AutoAWQ GEMM checkpoint (core/awqformat/int4_reference.h): qweight
// [K, N/8] int32, qzeros [K/G, N/8] int32, scales [K/G, N] fp16. A decode step reads it through the
// int4 GEMV (core/awqformat/int4_gemv_cpu.h); longer inputs dequantize it to fp32 one block at a time.
struct PackedInt4Linear {
    at::Tensor qweight, qzeros, scales;
    int64_t groupSize = 128;
};

} // namespace awb
