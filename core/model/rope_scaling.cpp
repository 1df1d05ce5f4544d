#include "core/model/rope_scaling.h"

#include <nlohmann/json.hpp>

// The names and JSON of RoPE variants, apart from rope.cpp's tensors: config.json readers (and
// their fuzz target) need these without libtorch.
namespace awb {

const char* ropeTypeName(RopeType type)
{
    switch (type) {
    case RopeType::Linear:
        return "linear";
    case RopeType::Dynamic:
        return "dynamic";
    case RopeType::Llama3:
        return "llama3";
    case RopeType::Yarn:
        return "yarn";
    case RopeType::Default:
        break;
    }
    return "default";
}

nlohmann::json ropeScalingJson(const RopeScaling& s)
{
    if (s.type == RopeType::Default)
        return nullptr;
    nlohmann::json j = {{"rope_type", ropeTypeName(s.type)}, {"factor", s.factor}};
    if (s.type == RopeType::Llama3) {
        j["low_freq_factor"] = s.lowFreqFactor;
        j["high_freq_factor"] = s.highFreqFactor;
        j["original_max_position_embeddings"] = s.originalMaxPositions;
    } else if (s.type == RopeType::Yarn) {
        j["beta_fast"] = s.betaFast;
        j["beta_slow"] = s.betaSlow;
        if (s.attentionFactor > 0)
            j["attention_factor"] = s.attentionFactor;
    }
    return j;
}

} // namespace awb
