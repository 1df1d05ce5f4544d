#pragma once
// The group-wise uniform quantizer shared by RTN, AWQ, evaluation and export (llm-awq's
// pseudo_quantize_tensor semantics). Groups run along the input dimension; an input dimension that
// the group size does not divide is zero-padded to the next multiple (exact for the function:
// padded columns quantize to exactly 0 and multiply padded inputs) and the padding is cut again.
// Pure functions on CPU fp32 tensors; any thread.
#include "core/quant/quant_config.h"

#include <ATen/Tensor.h>

namespace awb {

struct QuantizedTensor {
    at::Tensor codes;  // uint8 [out, inPadded], 0 .. 2^bits-1 (symmetric codes are offset by 2^(bits-1))
    at::Tensor scales; // fp32 [out, groups]
    at::Tensor zeros;  // uint8 [out, groups] (symmetric: 2^(bits-1))
    int64_t inFeatures = 0;
    int64_t groupSize = 0; // effective
    int bits = 0;

    at::Tensor dequantize() const; // fp32 [out, inFeatures]
};

QuantizedTensor quantizeWeight(const at::Tensor& weight, const QuantConfig& config);
// quantize + dequantize in one pass (the search's inner loop): fp32 [out, in] -> fp32 [out, in].
at::Tensor pseudoQuantize(const at::Tensor& weight, const QuantConfig& config);
// Weight [out, in] -> [out, groups, group] with zero padding of the input dimension.
at::Tensor groupView(const at::Tensor& weight, int64_t group);

} // namespace awb
