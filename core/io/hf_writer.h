#pragma once
// Writes models as Hugging Face folders (config.json, safetensors single or sharded with an index,
// tokenizer file). Used by the converter and by export; every file is written atomically, and
// writeHfFolder builds the folder beside the target and renames it only when complete.
#include "core/model/model.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace awb {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// The model's parameters under Hugging Face names, cast to dtype. q/k rows are permuted from
// adjacent-pair RoPE (llama2.c) to HF's rotate-half order, so the folder computes the same function.
NamedTensors hfTensors(const Model& model, c10::ScalarType dtype);
// The row permutation hfTensors applies to q/k (and their biases, 1-D) of an AdjacentPairs model:
// [heads * headDim, ...] rows from llama2.c's pair order to HF's rotate-half order. Row-wise, so
// quantizing after permuting equals permuting the quantized rows (the exporter relies on this).
at::Tensor permuteForRotateHalf(const at::Tensor& w, int64_t heads);
// config.json content for the model (architectures, dims, rope, eps, dtype...).
nlohmann::ordered_json hfConfigJson(const Model& model, c10::ScalarType dtype);

// Writes tensors into dir as model.safetensors, or as model-0000N-of-0000M.safetensors plus
// model.safetensors.index.json when they exceed maxShardBytes (0 = never shard).
void writeSafetensorsShards(const std::string& dir, const NamedTensors& tensors, int64_t maxShardBytes);

// Hugging Face's torch_dtype name ("float32", "bfloat16", "float16"); throws ArgumentError for
// types that model weights are not written in.
const char* torchDtypeName(c10::ScalarType dtype);

struct HfWriteOptions {
    c10::ScalarType dtype = c10::ScalarType::Float;
    int64_t maxShardBytes = 0;
};
// Converts a model to a complete HF folder at dir (replacing it atomically), tokenizer included.
void writeHfFolder(const Model& model, const std::string& dir, const HfWriteOptions& options);

} // namespace awb
