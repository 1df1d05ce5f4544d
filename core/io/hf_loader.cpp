#include "core/io/hf_loader.h"

#include "core/awqformat/awq_export.h"
#include "core/awqformat/awq_packing.h"
#include "core/base/error.h"
#include "core/io/hf_config.h"
#include "core/io/special_tokens.h"
#include "core/io/safetensors.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
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
    return readHfConfig(j, file); // core/io/hf_config.cpp: both config.json layouts, every key accounted for
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
                // named here, where the index and the tensor are known: the reader's IoError would
                // name only the absent file, not which index entry wanted it
                if (!m_files.count(shardPath) && !fs::is_regular_file(shardPath))
                    throw FormatError(index, "weight_map." + name, "shard " + shardPath + " does not exist (incomplete download?)");
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

// quantization_config of an AutoAWQ GEMM checkpoint (AutoAWQ's own key names accepted too).
struct AwqImport {
    int bits = 4;
    int64_t groupSize = 128; // -1: one group spanning in_features, as AutoAWQ reads it
    bool zeroPoint = true;
    std::vector<std::string> notConverted;
};

std::string lowered(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
}

AwqImport parseQuantizationConfig(const nlohmann::json& qc, const std::string& file)
{
    const std::string f = "quantization_config";
    if (!qc.is_object())
        throw FormatError(file, f, "must be an object");
    const std::string method = qc.contains("quant_method") && qc["quant_method"].is_string() ? qc["quant_method"].get<std::string>() : "";
    if (lowered(method) != "awq")
        throw FormatError(file, f + ".quant_method", "\"" + method + "\" is not supported (only AutoAWQ checkpoints: quant_method \"awq\", version \"gemm\")");
    // AutoAWQ's default version is gemm; gemv/marlin/exllama store other layouts
    const std::string version = qc.contains("version") && qc["version"].is_string() ? qc["version"].get<std::string>() : "gemm";
    if (lowered(version) != "gemm")
        throw FormatError(file, f + ".version", "\"" + version + "\" is not supported (only the GEMM layout)");
    auto integer = [&](const char* key, const char* alt, int64_t fallback) {
        const char* k = qc.contains(key) ? key : qc.contains(alt) ? alt : nullptr;
        if (!k)
            return fallback;
        if (!qc[k].is_number_integer())
            throw FormatError(file, f + "." + k, "must be an integer");
        return qc[k].get<int64_t>();
    };
    AwqImport a;
    a.bits = static_cast<int>(integer("bits", "w_bit", 4));
    a.groupSize = integer("group_size", "q_group_size", 128);
    if (a.groupSize == 0 || a.groupSize < -1)
        throw FormatError(file, f + ".group_size", std::to_string(a.groupSize) + " is not a group size (-1 or positive)");
    const std::string extension = qc.value("awb_extension", std::string());
    if (a.bits != 4 && (32 % std::max(a.bits, 1) != 0 || a.bits < 2 || extension != "packed-" + std::to_string(a.bits) + "bit"))
        throw FormatError(file, f + ".bits", std::to_string(a.bits) + "-bit weights are not in the AutoAWQ GEMM format (4 bits only)");
    if (qc.contains("zero_point") && qc["zero_point"].is_boolean())
        a.zeroPoint = qc["zero_point"].get<bool>();
    if (qc.contains("modules_to_not_convert") && !qc["modules_to_not_convert"].is_null()) {
        if (!qc["modules_to_not_convert"].is_array())
            throw FormatError(file, f + ".modules_to_not_convert", "must be a list of module names");
        for (const auto& name : qc["modules_to_not_convert"])
            if (name.is_string())
                a.notConverted.push_back(name.get<std::string>());
    }
    return a;
}

// A linear of an AWQ checkpoint: qweight/qzeros/scales dequantized on the CPU, or (for layers in
// modules_to_not_convert) the plain weight. Dequantized weights are fp16: (code - zero) * scale is
// computed exactly in fp32 and rounded once to fp16, which is bit for bit what AutoAWQ's
// dequantize_gemm (fp16 arithmetic) gives, and it keeps the imported model at the memory of an fp16
// checkpoint; the forward pass upcasts block by block anyway.
at::Tensor loadAwqLinear(const ShardSet& shards, const std::string& prefix, const AwqImport& a)
{
    if (!shards.contains(prefix + ".qweight")) {
        if (shards.contains(prefix + ".weight"))
            return shards.get(prefix + ".weight");
        throw FormatError(shards.source(), prefix + ".qweight", "tensor not found (nor an unquantized " + prefix + ".weight)");
    }
    const at::Tensor qweight = shards.get(prefix + ".qweight");
    const at::Tensor qzeros = shards.get(prefix + ".qzeros");
    const at::Tensor scales = shards.get(prefix + ".scales");
    try {
        if (scales.dim() != 2)
            throw ShapeError("scales must be [in/group, out]");
        if (a.bits == 4)
            return dequantizeAwq(qweight, qzeros, scales, a.groupSize).to(at::kHalf);
        // awb's packed-Nbit extension (see core/awqformat/awq_export.h)
        const int64_t N = scales.size(1), K = qweight.size(0), groups = scales.size(0);
        if (groups <= 0 || K % groups != 0 || (a.groupSize > 0 && K / groups != a.groupSize) || qzeros.size(0) != groups)
            throw ShapeError("qweight/qzeros/scales rows do not fit group size " + std::to_string(a.groupSize));
        const at::Tensor codes = unpackNbitColumns(qweight, N, a.bits).to(at::kFloat);  // [K, N]
        const at::Tensor zeros = unpackNbitColumns(qzeros, N, a.bits).to(at::kFloat);   // [groups, N]
        const at::Tensor sc = scales.to(at::kHalf).to(at::kFloat);
        const int64_t g = K / groups;
        return ((codes - zeros.repeat_interleave(g, 0)) * sc.repeat_interleave(g, 0)).t().to(at::kHalf).contiguous();
    } catch (const ShapeError& e) {
        throw FormatError(shards.source(), prefix, e.what());
    }
}

} // namespace

Model loadHfFolder(const std::string& dir)
{
    const std::string configPath = dir + "/config.json";
    nlohmann::json json = readJsonFile(configPath);
    std::optional<AwqImport> awq;
    if (json.contains("quantization_config") && !json["quantization_config"].is_null())
        awq = parseQuantizationConfig(json["quantization_config"], configPath);
    Model m;
    m.config = parseHfConfig(json, configPath);
    m.sourcePath = dir;
    m.sourceFormat = "hf-safetensors";
    m.sourceConfig = json.dump(); // exports keep what the source said (see mergeSourceConfig)
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
        if (awq) {
            b.forEachLinear([&](const std::string& name, at::Tensor& w) { w = loadAwqLinear(shards, hfLinearPrefix(i, name), *awq); });
        } else {
            b.wq = shards.get(p + "self_attn.q_proj.weight");
            b.wk = shards.get(p + "self_attn.k_proj.weight");
            b.wv = shards.get(p + "self_attn.v_proj.weight");
            b.wo = shards.get(p + "self_attn.o_proj.weight");
            b.wGate = shards.get(p + "mlp.gate_proj.weight");
            b.wUp = shards.get(p + "mlp.up_proj.weight");
            b.wDown = shards.get(p + "mlp.down_proj.weight");
        }
        b.bq = shards.getOptional(p + "self_attn.q_proj.bias");
        b.bk = shards.getOptional(p + "self_attn.k_proj.bias");
        b.bv = shards.getOptional(p + "self_attn.v_proj.bias");
        b.ffnNorm = shards.get(p + "post_attention_layernorm.weight");
        m.blocks.push_back(std::move(b));
    }
    m.config.qkvBias = m.blocks.empty() ? m.config.qkvBias : m.blocks[0].bq.defined();
    if (awq) {
        m.weightDtype = "AWQ-W" + std::to_string(awq->bits) + "-G" + std::to_string(awq->groupSize) + (awq->zeroPoint ? "" : "-SYM");
        m.quantization = json["quantization_config"].dump();
    }
    m.validateShapes(shards.source());
    applySpecialTokens(m, dir); // the folder's own files; loadModel repeats it once a tokenizer is known
    return m;
}

} // namespace awb
