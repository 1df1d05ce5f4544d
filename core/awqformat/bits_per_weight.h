#pragma once
// The storage cost of a quantized model's linears, as a sweep compares settings: per weight, w_bit
// plus each group's fp16 scale and, with a zero point, its w_bit zero (AutoAWQ stores scales as
// fp16 [groups, out] and zeros packed at w_bit bits [groups, out]). Groups that do not divide a row
// round up, as the packing pads them. Embeddings, norms and the output head stay FP and are not
// counted. Any thread.
#include "core/model/model_config.h"
#include "core/quant/quant_config.h"

namespace awb {

double bitsPerWeight(const ModelConfig& config, const QuantConfig& quant);

} // namespace awb
