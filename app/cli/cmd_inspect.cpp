#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/jobs/inspect_job.h"

#include <iostream>

namespace awb::cli {

void addInspectCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("inspect", "Print a model's architecture, tensor shapes, dtypes, parameter count and tokenizer");
    auto model = std::make_shared<ModelOptions>();
    auto json = std::make_shared<bool>(false);
    model->addTo(cmd);
    cmd->add_flag("--json", *json, "print one JSON object as the last line of stdout");
    cmd->callback([model, json] {
        const ModelSummary s = inspectModel(model->source());
        if (*json)
            return printJson(toJson(s));
        const auto& c = s.config;
        std::cout << "model      " << s.path << " (" << s.format << ", " << s.dtype << ")\n"
                  << "type       " << c.modelType << ", " << c.nLayers << " layers, dim " << c.dim << ", ffn " << c.hiddenDim
                  << ", heads " << c.nHeads << " (kv " << c.nKvHeads << ", head_dim " << c.headDim << ")\n"
                  << "vocab      " << c.vocabSize << (c.tiedEmbeddings ? " (tied output layer)" : " (separate output layer)") << "\n"
                  << "context    " << c.maxSeqLen << ", rope theta " << c.ropeTheta << " (" << ropeStyleName(c.rope)
                  << "), rms eps " << c.normEps << (c.qkvBias ? ", q/k/v bias" : "") << "\n"
                  << "rope       " << ropeTypeName(c.ropeScaling.type)
                  << (c.ropeScaling.type == RopeType::Default ? std::string() : " " + ropeScalingJson(c.ropeScaling).dump()) << "\n"
                  << "eos ids    " << nlohmann::json(c.allEosIds()).dump() << ", bos id " << c.bosId << "\n"
                  << "parameters " << s.parameters << "\n"
                  << "quantized  " << (s.quantization.empty() ? std::string("no") : s.quantization) << "\n"
                  << "tokenizer  "
                  << (s.tokenizerPath.empty() ? std::string("none found")
                                              : s.tokenizerPath + " (" + s.tokenizerKind + ", " + std::to_string(s.tokenizerVocab) + " pieces)")
                  << "\n";
        for (const auto& t : s.tensors)
            std::cout << "  " << t.name << " " << nlohmann::json(t.shape).dump() << " " << t.dtype << "\n";
    });
}

} // namespace awb::cli
