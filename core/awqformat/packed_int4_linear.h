#pragma once
#include <ATen/Tensor.h>

#include <cstdint>

namespace awb {

// A linear kept packed from an AutoAWQ GEMM checkpoint (core/awqformat/int4_reference.h): qzeros
// [K/G, N/8] int32 and scales [K/G, N] fp16 as stored, and qweight [K, N/8] int32 rearranged into
// tiles of 8 words (64 columns): qweightTiles [ceil(N/64), K, 8], row k of tile t holding words
// 8t .. 8t + 7 of row k (zeros past N/8). Made by packedInt4Linear (core/awqformat/awq_packing.h). A
// decode step reads it through the int4 GEMV (core/awqformat/int4_gemv_cpu.h), whose threads then
// each stream through their own tiles (in the stored layout a decode step of the 135M shape spent
// ~40% of the GEMV's time waiting on memory); longer inputs dequantize it one block at a time.
struct PackedInt4Linear {
    at::Tensor qweightTiles, qzeros, scales;
    int64_t groupSize = 128;
};

} // namespace awb
