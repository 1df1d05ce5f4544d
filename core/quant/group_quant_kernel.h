#pragma once
// The fused pseudo-quantizer loop of core/quant/group_quant_avx2.cpp, called by quantizer.cpp
// after its CPU check (avx2) and shape checks (contiguous fp32, groups of a multiple of 8 that
// divide the row).
#include <cstdint>

namespace awb::detail {

struct GroupQuantArgs {
    const float* weight = nullptr;      // [rows, in]
    float* out = nullptr;               // [rows, in]
    int64_t in = 0;
    int64_t group = 0;
    const float* columnScale = nullptr; // [in] or null: quantize weight * columnScale, then divide by it again
    const float* clip = nullptr;        // [rows, in / group] or null: clamp each group to +-clip first
    bool zeroPoint = true;
    int bits = 4;
};

// Rows [rowBegin, rowEnd) of out = pseudo-quantized weight.
void pseudoQuantizeRowsAvx2(const GroupQuantArgs& args, int64_t rowBegin, int64_t rowEnd);

} // namespace awb::detail
