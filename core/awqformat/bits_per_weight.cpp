#include "core/awqformat/bits_per_weight.h"

#include "core/model/hf_names.h"
#include "core/model/model.h"

namespace awb {

double bitsPerWeight(const ModelConfig& config, const QuantConfig& quant)
{
    const double perGroup = 16.0 + (quant.zeroPoint ? quant.wBit : 0);
    double weights = 0, bits = 0;
    for (const auto& linear : hfLinearNames()) {
        const auto [out, in] = linearShape(config, linear);
        const int64_t group = quant.effectiveGroup(in);
        const int64_t groups = (in + group - 1) / group;
        weights += static_cast<double>(out * in);
        bits += static_cast<double>(out * in) * quant.wBit + static_cast<double>(out * groups) * perGroup;
    }
    return weights > 0 ? bits / weights : 0.0;
}

} // namespace awb
