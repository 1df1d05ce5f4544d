#pragma once
// RoPE inverse frequencies and the cos/sin scale of every variant, computed the way transformers'
// modeling_rope_utils.py does (fp32 tensors, double scalars), so that logits match it. Pure
// functions, any thread.
#include "core/model/model_config.h"

#include <ATen/Tensor.h>

namespace awb {

struct RopeFrequencies {
    at::Tensor invFreq;            // [headDim / 2] fp32
    double attentionScaling = 1.0; // multiplies cos and sin (yarn), 1 otherwise
};

// seqLen: the length of the sequences the table serves. Only dynamic NTK depends on it: like
// transformers' dynamic update, frequencies stretch once seqLen exceeds max_position_embeddings.
// (transformers re-derives them as a cached generation grows; a table built for the whole
// length matches its full-sequence forward, which is what eval and calibration run.)
RopeFrequencies ropeFrequencies(const ModelConfig& config, int64_t seqLen);

} // namespace awb
