#pragma once
// Hugging Face folders of LLaMA-family models (model_type llama, mistral, qwen2): config.json plus
// model.safetensors or sharded model-0000N-of-0000M.safetensors with model.safetensors.index.json.
// Weights view the mapped shards (F32/F16/BF16 kept as stored). Throws FormatError/ShapeError
// naming the file and field or tensor.
#include "core/base/json_file.h"
#include "core/model/model.h"

#include <nlohmann/json_fwd.hpp>

namespace awb {

Model loadHfFolder(const std::string& dir, bool keepInt4Packed = false);
// Parses config.json into a ModelConfig; `file` names the source for errors.
ModelConfig parseHfConfig(const nlohmann::json& config, const std::string& file);

} // namespace awb
