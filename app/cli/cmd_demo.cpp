#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/model/generation.h"
#include "core/io/model_loader.h"
#include "core/eval/perplexity.h"
#include "core/tokenizer/text_source.h"

#include <cstdio>
#include <iostream>

namespace awb::cli {

// The headless main job on the embedded default model: what the workbench opens with.
void addDemoCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("demo", "Headless demo on the embedded default model (stories260K): generate and evaluate");
    auto json = std::make_shared<bool>(false);
    cmd->add_flag("--json", *json, "print a JSON summary as the last line of stdout");
    cmd->callback([json] {
        ModelOptions opts;
        Model m = opts.load();
        std::cout << "AWQ Workbench demo on " << m.sourcePath << " (" << m.parameterCount() << " parameters)\n\n";
        GenerateOptions g;
        g.maxTokens = 120;
        GenerateResult r = generate(m, g);
        std::cout << "Greedy text from BOS:\n  " << r.text << "\n\n";
        nlohmann::json summary = {{"model", m.sourcePath}, {"greedy_text", r.text}};
        const std::string texts[][2] = {{"tinystories (in-domain)", resourcesDir() + "/text/tinystories-valid-sample.txt"},
                                        {"wikitext-2 lines 2001-2400", resourcesDir() + "/text/wikitext2-eval-lines2001-2400.txt"}};
        for (const auto& [label, path] : texts) {
            PerplexityResult p = evaluatePerplexity(m, encodeEvalText(*m.tokenizer, path), PerplexityOptions{});
            std::printf("FP32 perplexity, %-28s %9.4f  (%lld tokens, %.2f s)\n", label.c_str(), p.ppl,
                        static_cast<long long>(p.evalTokens), p.seconds);
            summary["ppl"][label] = p.ppl;
        }
        if (*json)
            printJson(summary);
    });
}

} // namespace awb::cli
