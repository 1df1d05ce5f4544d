#pragma once
// RoPE frequency variants of Hugging Face checkpoints (config.json's rope_scaling, or
// rope_parameters in the transformers-5 layout). Plain data: core/io/hf_config.cpp fills it,
// core/model/rope.cpp turns it into frequencies exactly as transformers does.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>

namespace awb {

enum class RopeType {
    Default, // theta^(-2i/d)
    Linear,  // positions divided by factor (inv_freq / factor)
    Dynamic, // NTK: theta grows once the sequence outgrows originalMaxPositions
    Llama3,  // Llama-3.1/3.2: low frequencies / factor, a smooth ramp between
    Yarn     // NTK-by-parts ramp plus an attention factor on cos/sin
};

struct RopeScaling {
    RopeType type = RopeType::Default;
    double factor = 1.0;
    // llama3: the pretraining context; dynamic and yarn: max_position_embeddings (what transformers
    // uses for them)
    int64_t originalMaxPositions = 0;
    double lowFreqFactor = 1.0, highFreqFactor = 4.0; // llama3
    double betaFast = 32.0, betaSlow = 1.0;           // yarn
    double attentionFactor = 0.0;                     // yarn; 0 = transformers' default 0.1 ln(factor) + 1
};

const char* ropeTypeName(RopeType type); // "default", "linear", "dynamic", "llama3", "yarn"
// The settings as rope_scaling would hold them (null for default), for inspect and export.
nlohmann::json ropeScalingJson(const RopeScaling& scaling);

} // namespace awb
