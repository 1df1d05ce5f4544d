#include "core/hf_loader.h"

#include "core/error.h"
#include "core/safetensors.h"

#include <ATen/ATen.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace fs = std::filesystem;

namespace awb {

nlohmann::json readJsonFile(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw IoError(path + ": cannot open");
    std::stringstream text;
    text << in.rdbuf();
    try {
        return nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(path, "", std::string("invalid JSON: ") + e.what());
    }
}

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

namespace {

// Finds each tensor name's shard and opens every shard once.
class ShardSet {
public:
    explicit ShardSet(const std::string& dir)
    {
        const std::string single = dir + "/model.safetensors";
        const std::string index = dir + "/model.safetensors.index.json";
        if (fs::exists(index)) {
            nlohmann::json j = readJsonFile(index);
            if (!j.contains("weight_map") || !j["weight_map"].is_object())
                throw FormatError(index, "weight_map", "missing or not an object");
            for (const auto& [name, shard] : j["weight_map"].items()) {
                if (!shard.is_string())
                    throw FormatError(index, "weight_map." + name, "must name a file");
                const std::string shardPath = dir + "/" + shard.get<std::string>();
                if (!m_files.count(shardPath))
                    m_files[shardPath] = std::make_shared<SafetensorsFile>(shardPath);
                m_where[name] = m_files[shardPath];
            }
            m_source = index;
        } else if (fs::exists(single)) {
            auto file = std::make_shared<SafetensorsFile>(single);
            for (const auto& name : file->names())
                m_where[name] = file;
            m_source = single;
        } else {
            throw IoError(dir + ": no model.safetensors or model.safetensors.index.json");
        }
    }
    bool contains(const std::string& name) const { return m_where.count(name) != 0; }
    at::Tensor get(const std::string& name) const
    {
        auto it = m_where.find(name);
        if (it == m_where.end())
            throw FormatError(m_source, name, "tensor not found");
        if (!it->second->contains(name))
            throw FormatError(it->second->path(), name, "tensor listed in the index is missing from the shard");
        return it->second->tensor(name);
    }
    at::Tensor getOptional(const std::string& name) const { return contains(name) ? get(name) : at::Tensor(); }
    const std::string& source() const { return m_source; }
    std::string dtypeOf(const std::string& name) const { return m_where.at(name)->info(name).dtype; }

private:
    std::map<std::string, std::shared_ptr<SafetensorsFile>> m_files;
    std::map<std::string, std::shared_ptr<SafetensorsFile>> m_where;
    std::string m_source;
};

} // namespace

Model loadHfFolder(const std::string& dir)
{
    const std::string configPath = dir + "/config.json";
    nlohmann::json json = readJsonFile(configPath);
    if (json.contains("quantization_config"))
        throw FormatError(configPath, "quantization_config", "quantized checkpoints are not supported by this build");
    Model m;
    m.config = parseHfConfig(json, configPath);
    m.sourcePath = dir;
    m.sourceFormat = "hf-safetensors";
    ShardSet shards(dir);
    m.tokEmbedding = shards.get("model.embed_tokens.weight");
    m.weightDtype = shards.dtypeOf("model.embed_tokens.weight");
    m.finalNorm = shards.get("model.norm.weight");
    if (m.config.tiedEmbeddings || !shards.contains("lm_head.weight")) {
        m.config.tiedEmbeddings = true; // some exports omit lm_head when tied without saying so
        m.lmHead = m.tokEmbedding;
    } else {
        m.lmHead = shards.get("lm_head.weight");
    }
    for (int64_t i = 0; i < m.config.nLayers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        BlockWeights b;
        b.attnNorm = shards.get(p + "input_layernorm.weight");
        b.wq = shards.get(p + "self_attn.q_proj.weight");
        b.wk = shards.get(p + "self_attn.k_proj.weight");
        b.wv = shards.get(p + "self_attn.v_proj.weight");
        b.wo = shards.get(p + "self_attn.o_proj.weight");
        b.bq = shards.getOptional(p + "self_attn.q_proj.bias");
        b.bk = shards.getOptional(p + "self_attn.k_proj.bias");
        b.bv = shards.getOptional(p + "self_attn.v_proj.bias");
        b.ffnNorm = shards.get(p + "post_attention_layernorm.weight");
        b.wGate = shards.get(p + "mlp.gate_proj.weight");
        b.wUp = shards.get(p + "mlp.up_proj.weight");
        b.wDown = shards.get(p + "mlp.down_proj.weight");
        m.blocks.push_back(std::move(b));
    }
    m.config.qkvBias = m.blocks.empty() ? m.config.qkvBias : m.blocks[0].bq.defined();
    m.validateShapes(shards.source());
    return m;
}

} // namespace awb
