#include "core/model/model_config.h"

#include "core/base/error.h"

#include <nlohmann/json.hpp>

namespace awb {

void ModelConfig::validate(const std::string& source) const
{
    auto need = [&](bool ok, const std::string& what) {
        if (!ok)
            throw ShapeError(source + ": " + what);
    };
    need(dim > 0 && hiddenDim > 0 && nLayers > 0 && nHeads > 0 && vocabSize > 0 && maxSeqLen > 0,
         "dimensions must be positive (dim " + std::to_string(dim) + ", hidden " + std::to_string(hiddenDim) +
             ", layers " + std::to_string(nLayers) + ", heads " + std::to_string(nHeads) + ", vocab " +
             std::to_string(vocabSize) + ", seq_len " + std::to_string(maxSeqLen) + ")");
    need(nKvHeads > 0 && nHeads % nKvHeads == 0,
         "num_key_value_heads " + std::to_string(nKvHeads) + " must divide num_attention_heads " + std::to_string(nHeads));
    need(headDim > 0 && headDim % 2 == 0, "head_dim " + std::to_string(headDim) + " must be positive and even");
    need(normEps > 0, "rms_norm_eps must be positive");
    need(ropeTheta > 0, "rope_theta must be positive");
}

const char* ropeStyleName(RopeStyle style)
{
    return style == RopeStyle::AdjacentPairs ? "adjacent-pairs" : "rotate-half";
}

nlohmann::json toJson(const ModelConfig& c)
{
    return {{"model_type", c.modelType}, {"hidden_size", c.dim}, {"intermediate_size", c.hiddenDim},
            {"num_hidden_layers", c.nLayers}, {"num_attention_heads", c.nHeads},
            {"num_key_value_heads", c.nKvHeads}, {"head_dim", c.headDim}, {"vocab_size", c.vocabSize},
            {"max_position_embeddings", c.maxSeqLen}, {"rope_theta", c.ropeTheta}, {"rms_norm_eps", c.normEps},
            {"tie_word_embeddings", c.tiedEmbeddings}, {"qkv_bias", c.qkvBias}, {"rope_style", ropeStyleName(c.rope)},
            {"rope_type", ropeTypeName(c.ropeScaling.type)}, {"rope_scaling", ropeScalingJson(c.ropeScaling)},
            {"bos_token_id", c.bosId}, {"eos_token_ids", c.allEosIds()}};
}

} // namespace awb
