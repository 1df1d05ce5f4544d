#include "core/io/hf_loader.h"

#include "core/awqformat/awq_import.h"
#include "core/base/error.h"
#include "core/io/hf_config.h"
#include "core/io/shard_set.h"
#include "core/io/special_tokens.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <optional>

namespace awb {

ModelConfig parseHfConfig(const nlohmann::json& j, const std::string& file)
{
    return readHfConfig(j, file); // core/io/hf_config.cpp: both config.json layouts, every key accounted for
}

Model loadHfFolder(const std::string& dir, bool keepInt4Packed)
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
    m.sourceConfig = json.dump(); // exports keep what the source said (see mergeSourceConfig)
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
            if (isHfBias(name))
                t = shards.getOptional(full); // Qwen2's q/k/v biases
            else if (!awq || name == kHfAttnNorm || name == kHfFfnNorm)
                t = shards.get(full);
        });
        if (awq)
            b.forEachLinear([&](const std::string& name, at::Tensor& w) {
                const std::string prefix = hfLinearPrefix(i, name);
                if (auto packed = keepInt4Packed ? loadAwqPackedLinear(shards, prefix, *awq) : std::nullopt) {
                    // [out, in] = [N, K]: the shape without the data (see BlockWeights::packed)
                    w = at::empty({packed->scales.size(1), packed->qweightTiles.size(1)}, at::TensorOptions().dtype(at::kHalf).device(at::kMeta));
                    b.packed.emplace(name, std::move(*packed));
                } else {
                    w = loadAwqLinear(shards, prefix, *awq);
                }
            });
        m.blocks.push_back(std::move(b));
    }
    m.config.qkvBias = m.blocks.empty() ? m.config.qkvBias : m.blocks[0].bq.defined();
    if (awq) {
        m.weightDtype = awq->weightDtypeLabel();
        m.quantization = json["quantization_config"].dump();
    }
    m.validateShapes(shards.source());
    applySpecialTokens(m, dir); // the folder's own files; loadModel repeats it once a tokenizer is known
    return m;
}

} // namespace awb
