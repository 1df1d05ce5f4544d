#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/io/model_loader.h"
#include "core/jobs/evaluate_job.h"
#include "core/model/generation.h"

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
        ModelSource source;
        source.loaded = std::make_shared<const Model>(source.load());
        CliJob job;
        std::cout << "AWQ Workbench demo on " << source.displayPath() << " (" << source.loaded->parameterCount() << " parameters)\n\n";
        GenerateOptions g;
        g.maxTokens = 120;
        const GenerateResult r = generate(*source.loaded, g, &job.context());
        job.finish();
        std::cout << "Greedy text from BOS:\n  " << r.text << "\n\n";
        nlohmann::json summary = {{"model", source.displayPath()}, {"greedy_text", r.text}};
        const std::string texts[][2] = {{"tinystories (in-domain)", resourcesDir() + "/text/tinystories-valid-sample.txt"},
                                        {"wikitext-2 lines 2001-2400", resourcesDir() + "/text/wikitext2-eval-lines2001-2400.txt"}};
        for (const auto& [label, path] : texts) {
            const EvaluateJobResult e = runEvaluateJob({source, path, 512}, job.context());
            job.finish();
            std::printf("FP32 perplexity, %-28s %9.4f  (%lld tokens, %.2f s)\n", label.c_str(), e.perplexity.ppl,
                        static_cast<long long>(e.perplexity.evalTokens), e.perplexity.seconds);
            summary["ppl"][label] = e.perplexity.ppl;
        }
        if (*json)
            printJson(summary);
    });
}

} // namespace awb::cli
