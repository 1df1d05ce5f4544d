#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/model/model_config.h"

#include <iostream>

namespace awb::cli {

void addInspectCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("inspect", "Print a model's architecture, tensor shapes, dtypes, parameter count and tokenizer");
    auto opts = std::make_shared<ModelOptions>();
    auto json = std::make_shared<bool>(false);
    opts->addTo(cmd);
    cmd->add_flag("--json", *json, "print one JSON object as the last line of stdout");
    cmd->callback([opts, json] {
        Model m = opts->load(/*requireTokenizer=*/false);
        nlohmann::json out = toJson(m.config);
        out["path"] = m.sourcePath;
        out["format"] = m.sourceFormat;
        out["dtype"] = m.weightDtype;
        out["parameters"] = m.parameterCount();
        // AutoAWQ quantization_config of imported checkpoints, else null
        out["quantization"] = m.quantization.empty() ? nlohmann::json() : nlohmann::json::parse(m.quantization);
        out["tokenizer"] = m.tokenizer ? nlohmann::json{{"path", m.tokenizer->path()}, {"kind", m.tokenizer->kind()},
                                                        {"vocab_size", m.tokenizer->vocabSize()}, {"bos_id", m.tokenizer->bosId()},
                                                        {"eos_id", m.tokenizer->eosId()}}
                                       : nlohmann::json();
        nlohmann::json tensors = nlohmann::json::array();
        auto add = [&](const std::string& name, const at::Tensor& t) {
            if (t.defined())
                tensors.push_back({{"name", name}, {"shape", t.sizes().vec()}, {"dtype", c10::toString(t.scalar_type())}});
        };
        add("model.embed_tokens.weight", m.tokEmbedding);
        for (size_t i = 0; i < m.blocks.size(); ++i) {
            BlockWeights b = m.blocks[i];
            add("model.layers." + std::to_string(i) + ".input_layernorm.weight", b.attnNorm);
            b.forEachLinear([&](const std::string& name, at::Tensor& w) { add(hfLinearPrefix(i, name) + ".weight", w); });
        }
        add("model.norm.weight", m.finalNorm);
        out["tensors"] = tensors;
        if (*json) {
            printJson(out);
            return;
        }
        const auto& c = m.config;
        std::cout << "model      " << m.sourcePath << " (" << m.sourceFormat << ", " << m.weightDtype << ")\n"
                  << "type       " << c.modelType << ", " << c.nLayers << " layers, dim " << c.dim << ", ffn " << c.hiddenDim
                  << ", heads " << c.nHeads << " (kv " << c.nKvHeads << ", head_dim " << c.headDim << ")\n"
                  << "vocab      " << c.vocabSize << (c.tiedEmbeddings ? " (tied output layer)" : " (separate output layer)") << "\n"
                  << "context    " << c.maxSeqLen << ", rope theta " << c.ropeTheta << " (" << ropeStyleName(c.rope)
                  << "), rms eps " << c.normEps << (c.qkvBias ? ", q/k/v bias" : "") << "\n"
                  << "rope       " << ropeTypeName(c.ropeScaling.type)
                  << (c.ropeScaling.type == RopeType::Default ? std::string() : " " + ropeScalingJson(c.ropeScaling).dump()) << "\n"
                  << "eos ids    " << nlohmann::json(c.allEosIds()).dump() << ", bos id " << c.bosId << "\n"
                  << "parameters " << m.parameterCount() << "\n"
                  << "quantized  " << (m.quantization.empty() ? std::string("no") : m.quantization) << "\n"
                  << "tokenizer  " << (m.tokenizer ? m.tokenizer->path() + " (" + m.tokenizer->kind() + ", " +
                                                         std::to_string(m.tokenizer->vocabSize()) + " pieces)"
                                                   : std::string("none found")) << "\n";
        for (const auto& t : tensors)
            std::cout << "  " << t["name"].get<std::string>() << " " << t["shape"].dump() << " " << t["dtype"].get<std::string>() << "\n";
    });
}

} // namespace awb::cli
