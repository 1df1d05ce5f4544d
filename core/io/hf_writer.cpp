#include "core/io/hf_writer.h"

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/io/hf_companion_files.h"
#include "core/io/hf_config.h"
#include "core/io/safetensors.h"

#include <ATen/ATen.h>
#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;

namespace awb {

// Meta/llama2.c order (pairs 2i, 2i+1 within a head) -> HF order (i, i + d/2), as HF's converter does.
at::Tensor permuteForRotateHalf(const at::Tensor& w, int64_t heads)
{
    if (w.dim() == 1) // a bias: its entries are the weight's rows
        return permuteForRotateHalf(w.unsqueeze(1), heads).squeeze(1);
    const int64_t rows = w.size(0), cols = w.size(1);
    return w.reshape({heads, rows / heads / 2, 2, cols}).transpose(1, 2).reshape({rows, cols});
}

const char* torchDtypeName(c10::ScalarType t)
{
    switch (t) {
    case at::kFloat:
        return "float32";
    case at::kBFloat16:
        return "bfloat16";
    case at::kHalf:
        return "float16";
    default:
        throw ArgumentError(std::string("cannot write model weights as ") + c10::toString(t));
    }
}

NamedTensors hfTensors(const Model& m, c10::ScalarType dtype)
{
    const bool permute = m.config.rope == RopeStyle::AdjacentPairs;
    auto endsWith = [](const std::string& s, const std::string& tail) {
        return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
    };
    NamedTensors out;
    m.forEachTensor([&](const std::string& name, const at::Tensor& t) {
        at::Tensor w = t;
        if (permute && (endsWith(name, "self_attn.q_proj.weight") || endsWith(name, "self_attn.q_proj.bias")))
            w = permuteForRotateHalf(t, m.config.nHeads);
        else if (permute && (endsWith(name, "self_attn.k_proj.weight") || endsWith(name, "self_attn.k_proj.bias")))
            w = permuteForRotateHalf(t, m.config.nKvHeads);
        out.emplace_back(name, w.to(dtype).contiguous());
    });
    return out;
}

nlohmann::ordered_json hfConfigJson(const Model& m, c10::ScalarType dtype)
{
    const auto& c = m.config;
    const std::string arch = c.modelType == "qwen2" ? "Qwen2ForCausalLM" : c.modelType == "mistral" ? "MistralForCausalLM" : "LlamaForCausalLM";
    nlohmann::ordered_json j;
    j["architectures"] = {arch};
    j["model_type"] = c.modelType;
    j["hidden_size"] = c.dim;
    j["intermediate_size"] = c.hiddenDim;
    j["num_hidden_layers"] = c.nLayers;
    j["num_attention_heads"] = c.nHeads;
    j["num_key_value_heads"] = c.nKvHeads;
    if (c.headDim * c.nHeads != c.dim)
        j["head_dim"] = c.headDim;
    j["vocab_size"] = c.vocabSize;
    j["max_position_embeddings"] = c.maxSeqLen;
    j["rope_theta"] = c.ropeTheta;
    if (c.ropeScaling.type != RopeType::Default)
        j["rope_scaling"] = ropeScalingJson(c.ropeScaling);
    j["rms_norm_eps"] = c.normEps;
    j["tie_word_embeddings"] = c.tiedEmbeddings;
    j["hidden_act"] = "silu";
    j["bos_token_id"] = c.bosId;
    j["eos_token_id"] = eosTokenJson(c); // every one of them (a list for Llama-3)
    j["torch_dtype"] = torchDtypeName(dtype);
    if (c.modelType != "qwen2")
        j["attention_bias"] = c.qkvBias;
    // an HF source's own config.json underneath: its torch_dtype, rope layout, pad id... survive
    return mergeSourceConfig(m, j);
}

void writeSafetensorsShards(const std::string& dir, const NamedTensors& tensors, int64_t maxShardBytes)
{
    std::vector<NamedTensors> shards(1);
    int64_t current = 0, total = 0;
    for (const auto& entry : tensors) {
        const int64_t bytes = entry.second.numel() * entry.second.element_size();
        if (maxShardBytes > 0 && current > 0 && current + bytes > maxShardBytes) {
            shards.emplace_back();
            current = 0;
        }
        shards.back().push_back(entry);
        current += bytes;
        total += bytes;
    }
    if (shards.size() == 1) {
        writeSafetensors(dir + "/model.safetensors", shards[0], {{"format", "pt"}});
        return;
    }
    nlohmann::ordered_json index;
    index["metadata"] = {{"total_size", total}};
    index["weight_map"] = nlohmann::ordered_json::object();
    for (size_t s = 0; s < shards.size(); ++s) {
        char name[64];
        std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", s + 1, shards.size());
        writeSafetensors(dir + "/" + name, shards[s], {{"format", "pt"}});
        for (const auto& entry : shards[s])
            index["weight_map"][entry.first] = name;
    }
    writeFileAtomic(dir + "/model.safetensors.index.json", index.dump(2) + "\n");
}

void writeHfFolder(const Model& model, const std::string& dir, const HfWriteOptions& options)
{
    AtomicDirectory out(dir);
    writeSafetensorsShards(out.path(), hfTensors(model, options.dtype), options.maxShardBytes);
    writeFileAtomic(out.path() + "/config.json", hfConfigJson(model, options.dtype).dump(2) + "\n");
    writeHfCompanionFiles(model, out.path()); // tokenizer, its settings, chat template, generation config
    out.commit();
}

} // namespace awb
