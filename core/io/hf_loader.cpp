#include "core/io/hf_loader.h"

#include "core/awqformat/awq_import.h"
#include "core/base/error.h"
#include "core/io/shard_set.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <optional>

namespace awb {

ModelConfig parseHfConfig(const nlohmann::json& j, const std::string& file)
{
    auto required = [&](const char* key) -> int64_t {
        if (!j.contains(key) || !j[key].is_number_integer())
            throw FormatError(file, key, "missing or not an integer");
        return j[key].get<int64_t>();
    };
    auto optionalNumber = [&](const char* key, double fallback) {
        if (!j.contains(key) || j[key].is_null())
            return fallback;
        if (!j[key].is_number())
            throw FormatError(file, key, "must be a number");
        return j[key].get<double>();
    };
    ModelConfig c;
    c.modelType = j.value("model_type", std::string());
    if (c.modelType != "llama" && c.modelType != "mistral" && c.modelType != "qwen2")
        throw FormatError(file, "model_type", "\"" + c.modelType + "\" is not supported (llama, mistral, qwen2)");
    c.dim = required("hidden_size");
    c.hiddenDim = required("intermediate_size");
    c.nLayers = required("num_hidden_layers");
    c.nHeads = required("num_attention_heads");
    c.nKvHeads = j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null() ? required("num_key_value_heads") : c.nHeads;
    c.vocabSize = required("vocab_size");
    c.maxSeqLen = j.contains("max_position_embeddings") ? required("max_position_embeddings") : 2048;
    c.headDim = j.contains("head_dim") && !j["head_dim"].is_null() ? required("head_dim") : (c.nHeads > 0 ? c.dim / c.nHeads : 0);
    c.ropeTheta = optionalNumber("rope_theta", 10000.0);
    c.normEps = optionalNumber("rms_norm_eps", 1e-6);
    c.tiedEmbeddings = j.value("tie_word_embeddings", false); // the default of LlamaConfig and Qwen2Config
    c.qkvBias = c.modelType == "qwen2" || j.value("attention_bias", false);
    c.rope = RopeStyle::RotateHalf;
    if (j.contains("bos_token_id") && j["bos_token_id"].is_number_integer())
        c.bosId = j["bos_token_id"].get<int64_t>();
    if (j.contains("eos_token_id") && j["eos_token_id"].is_number_integer())
        c.eosId = j["eos_token_id"].get<int64_t>();
    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null())
        throw FormatError(file, "rope_scaling", "RoPE scaling is not supported yet (" + j["rope_scaling"].dump() + ")");
    if (j.contains("sliding_window") && j["sliding_window"].is_number_integer() && j.value("use_sliding_window", c.modelType == "mistral") &&
        j["sliding_window"].get<int64_t>() < c.maxSeqLen)
        c.maxSeqLen = j["sliding_window"].get<int64_t>(); // full attention is exact only up to the window
    try {
        c.validate(file);
    } catch (const ShapeError& e) {
        throw FormatError(file, "", e.what());
    }
    return c;
}

Model loadHfFolder(const std::string& dir)
{
    const std::string configPath = dir + "/config.json";
    nlohmann::json json = readJsonFile(configPath);
    std::optional<AwqImport> awq;
    if (json.contains("quantization_config") && !json["quantization_config"].is_null())
        awq = parseAwqQuantizationConfig(json["quantization_config"], configPath);
    Model m;
    m.config = parseHfConfig(json, configPath);
    m.sourcePath = dir;
    m.sourceFormat = "hf-safetensors";
    ShardSet shards(dir);
    m.tokEmbedding = shards.get(kHfEmbedTokens);
    m.weightDtype = shards.dtypeOf(kHfEmbedTokens);
    m.finalNorm = shards.get(kHfFinalNorm);
    if (m.config.tiedEmbeddings || !shards.contains(kHfLmHead)) {
        m.config.tiedEmbeddings = true; // some exports omit lm_head when tied without saying so
        m.lmHead = m.tokEmbedding;
    } else {
        m.lmHead = shards.get(kHfLmHead);
    }
    for (int64_t i = 0; i < m.config.nLayers; ++i) {
        BlockWeights b;
        b.forEachTensor([&](const std::string& name, at::Tensor& t) {
            const std::string full = hfLayerPrefix(i) + name;
            if (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0)
                t = shards.getOptional(full); // Qwen2's q/k/v biases
            else if (!awq || name == kHfAttnNorm || name == kHfFfnNorm)
                t = shards.get(full);
        });
        if (awq)
            b.forEachLinear([&](const std::string& name, at::Tensor& w) { w = loadAwqLinear(shards, hfLinearPrefix(i, name), *awq); });
        m.blocks.push_back(std::move(b));
    }
    m.config.qkvBias = m.blocks.empty() ? m.config.qkvBias : m.blocks[0].bq.defined();
    if (awq) {
        m.weightDtype = awq->weightDtypeLabel();
        m.quantization = json["quantization_config"].dump();
    }
    m.validateShapes(shards.source());
    return m;
}

} // namespace awb
