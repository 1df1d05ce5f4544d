#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/model/generation.h"

#include <iostream>

namespace awb::cli {

void addGenerateCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("generate", "Generate text (greedy with --temperature 0, else top-p sampling)");
    auto model = std::make_shared<ModelOptions>();
    auto gen = std::make_shared<GenerateOptions>();
    auto json = std::make_shared<bool>(false);
    model->addTo(cmd);
    cmd->add_option("--prompt", gen->prompt, "prompt text (default: start from BOS)");
    cmd->add_option("--max-tokens", gen->maxTokens, "tokens to generate")->required()->check(CLI::NonNegativeNumber);
    cmd->add_option("--temperature", gen->temperature, "sampling temperature; 0 = greedy")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--top-p", gen->topP, "nucleus sampling mass in (0, 1]")->capture_default_str()->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--seed", gen->seed, "random seed for sampling")->capture_default_str();
    cmd->add_flag("--json", *json, "print only {text, tokens, seconds, tokens_per_second} on stdout, as one line");
    cmd->callback([model, gen, json] {
        ModelSource source = model->source();
        source.keepInt4Packed = true; // generation runs the forward pass only
        const Model m = source.load();
        CliJob job(/*showProgress=*/false);
        // Text streams to stdout as it is generated, unless stdout is reserved for the JSON line.
        auto onText = [&](const std::string& piece) {
            if (!*json)
                std::cout << piece << std::flush;
        };
        if (!*json)
            std::cout << gen->prompt << std::flush;
        const GenerateResult r = generate(m, *gen, &job.context(), onText);
        job.finish();
        const int64_t generated = static_cast<int64_t>(r.tokens.size()) - r.promptTokens;
        if (!*json)
            std::cout << std::endl; // ends the streamed text before the log line, which a terminal shows on the same screen
        logLine(std::to_string(generated) + " tokens in " + std::to_string(r.seconds) + " s");
        if (*json)
            printJson({{"text", r.text}, {"tokens", generated}, {"seconds", r.seconds},
                       {"tokens_per_second", r.seconds > 0 ? generated / r.seconds : 0.0}});
    });
}

} // namespace awb::cli
