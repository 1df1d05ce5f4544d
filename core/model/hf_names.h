#pragma once
// Hugging Face parameter names of LLaMA-family checkpoints: the one list that the readers, the
// writers, the exporter, the shape checks and `awb inspect` use (llama2.c files are read into the
// same slots). Visiting a model's tensors by these names: BlockWeights::forEachTensor and
// Model::forEachTensor (core/model/model.h).
#include <cstdint>
#include <string>
#include <vector>

namespace awb {

inline constexpr const char* kHfEmbedTokens = "model.embed_tokens.weight";
inline constexpr const char* kHfFinalNorm = "model.norm.weight";
inline constexpr const char* kHfLmHead = "lm_head.weight";
inline constexpr const char* kHfAttnNorm = "input_layernorm.weight";          // relative to a layer
inline constexpr const char* kHfFfnNorm = "post_attention_layernorm.weight";   // relative to a layer

// The seven linears of a block in checkpoint order: q_proj, k_proj, v_proj, o_proj, gate_proj,
// up_proj, down_proj.
const std::vector<std::string>& hfLinearNames();
bool isAttentionLinear(const std::string& linear);
// Whether a (relative or full) tensor name is a bias, e.g. "self_attn.q_proj.bias".
bool isHfBias(const std::string& name);
// "model.layers.3."
std::string hfLayerPrefix(int64_t layer);
// "self_attn.q_proj", "mlp.up_proj"; throws ShapeError for a name that is not a block linear.
std::string hfLinearRelative(const std::string& linear);
// "model.layers.3.self_attn.q_proj" (append ".weight", ".qweight", ...).
std::string hfLinearPrefix(int64_t layer, const std::string& linear);

} // namespace awb
