#pragma once
// Import of AutoAWQ GEMM checkpoints (the exporter's counterpart, core/awqformat/awq_export.h):
// config.json's quantization_config, and each linear's qweight/qzeros/scales dequantized on the CPU
// or, for jobs that only run the forward pass, kept packed (LoadOptions::keepInt4Packed).
// The Hugging Face loader (core/io/hf_loader.cpp) calls this when a folder carries a
// quantization_config.
#include "core/io/shard_set.h"
#include "core/model/model.h"

#include <ATen/Tensor.h>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace awb {

// quantization_config of an AutoAWQ GEMM checkpoint (AutoAWQ's own key names accepted too).
struct AwqImport {
    int bits = 4;
    int64_t groupSize = 128; // -1: one group spanning in_features, as AutoAWQ reads it
    bool zeroPoint = true;
    std::vector<std::string> notConverted;
    std::string weightDtypeLabel() const; // Model::weightDtype of the import, e.g. "AWQ-W4-G128"
};

// Throws FormatError naming file and quantization_config field for methods, versions or bits
// that are not the AutoAWQ GEMM layout (or awb's packed-Nbit extension).
AwqImport parseAwqQuantizationConfig(const nlohmann::json& quantizationConfig, const std::string& file);

// The weight [out, in] of the linear at prefix (e.g. "model.layers.0.self_attn.q_proj"), fp16:
// dequantized, or the plain .weight of a layer in modules_to_not_convert. Throws FormatError
// naming the shard source and tensor.
at::Tensor loadAwqLinear(const ShardSet& shards, const std::string& prefix, const AwqImport& awq);

// The same linear kept packed (no dequantized copy) when it is a 4-bit AutoAWQ GEMM one; nullopt for
// a layer in modules_to_not_convert and for awb's packed-Nbit extension (other bit widths), which
// loadAwqLinear dequantizes. Throws FormatError naming the shard source and tensor.
std::optional<PackedInt4Linear> loadAwqPackedLinear(const ShardSet& shards, const std::string& prefix, const AwqImport& awq);

} // namespace awb
