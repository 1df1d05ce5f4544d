#pragma once
// The group-wise uniform quantizer shared by RTN, AWQ, evaluation and export (llm-awq's
// pseudo_quantize_tensor semantics). Groups run along the input dimension; an input dimension that
// the group size does not divide is zero-padded to the next multiple (exact for the function:
// padded columns quantize to exactly 0 and multiply padded inputs) and the padding is cut again.
// Pure functions on CPU fp32 tensors; any thread.
#include "core/model/model.h"
#include "core/quant/quant_config.h"

#include <ATen/Tensor.h>
#include <optional>

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
// The AWQ search's two trials, each in one pass where the fused kernel takes the weight, and equal
// bit for bit to the unfused expressions:
// pseudoQuantize(weight * columnScale, config) / columnScale, columnScale fp32 [in] (scale search) ...
at::Tensor pseudoQuantizeScaled(const at::Tensor& weight, const at::Tensor& columnScale, const QuantConfig& config);
// ... and pseudoQuantize(weight with each group clamped to +-maxVal), maxVal fp32 [out, groups] (clip search).
at::Tensor pseudoQuantizeClipped(const at::Tensor& weight, const at::Tensor& maxVal, const QuantConfig& config);
// `weight` pseudo-quantized (pseudoQuantize's result, fp32 [out, in]) with its codes for decoding
// (QuantCodes, core/model/model.h) when they fit int8 and give `quantized` back bit for bit (checked
// here) and decodeGemvCodes takes their groups (a power of two, or one a row); else no codes: e.g.
// 8 bits with a zero point, whose code - zero spans -255 .. 255, or a padded last group (`quantized`
// is then a slice, which decodes through BLAS, not decodeGemv).
std::optional<QuantCodes> decodeCodes(const at::Tensor& weight, const at::Tensor& quantized, const QuantConfig& config);
// Weight [out, in] -> [out, groups, group] with zero padding of the input dimension.
at::Tensor groupView(const at::Tensor& weight, int64_t group);

} // namespace awb
