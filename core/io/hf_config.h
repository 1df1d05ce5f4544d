#pragma once
// config.json of Hugging Face LLaMA-family folders (llama incl. Llama-3.x, mistral, qwen2), in both
// layouts: the classic one (top-level rope_theta, rope_scaling, torch_dtype) and transformers 5's
// (rope_parameters {rope_theta, rope_type, ...}, dtype). Every key is either honoured, refused with
// a FormatError naming the file and the key, or on the one list of keys known not to change the
// forward pass (hf_config.cpp); a key on no list is refused too, so nothing the file says is
// silently replaced by a default. Pure functions, any thread.
#include "core/model/model.h"

#include <nlohmann/json.hpp>

namespace awb {

// Throws FormatError(file, key, why) for a key that is missing, wrongly typed, unsupported or unknown.
ModelConfig readHfConfig(const nlohmann::json& config, const std::string& file);

// config.json for an export of `model`: the source folder's config.json (model.sourceConfig) with
// `computed` laid over it where the written folder differs from the source (sizes, tied output,
// special-token ids, quantization); keys only the source has (rope settings in its layout,
// torch_dtype, pad_token_id, transformers_version...) are kept as they were. Without a source
// config.json (llama2.c) it returns `computed`.
nlohmann::ordered_json mergeSourceConfig(const Model& model, nlohmann::ordered_json computed);

// eos_token_id as config.json writes it: one number, or a list when there are several.
nlohmann::ordered_json eosTokenJson(const ModelConfig& config);

} // namespace awb
