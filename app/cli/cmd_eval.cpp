#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/jobs/evaluate_job.h"

#include <cstdio>

namespace awb::cli {

void addEvalCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("eval", "Perplexity of a text file (non-overlapping windows of seqlen, BOS in front of each)");
    auto model = std::make_shared<ModelOptions>();
    auto o = std::make_shared<EvaluateJobOptions>();
    auto json = std::make_shared<bool>(false);
    model->addTo(cmd);
    cmd->add_option("--text", o->textPath, "UTF-8 text file; each non-empty line is stripped and encoded")->required();
    cmd->add_option("--seqlen", o->seqLen, "window length including BOS")->capture_default_str();
    cmd->add_flag("--json", *json, "print {ppl, tokens, seconds} as the last line of stdout");
    cmd->callback([model, o, json] {
        o->model = model->source();
        CliJob job;
        const EvaluateJobResult r = runEvaluateJob(*o, job.context());
        job.finish();
        if (*json)
            return printJson(toJson(r));
        const PerplexityResult& p = r.perplexity;
        std::printf("ppl %.4f over %lld tokens (%lld windows of %lld) in %.2f s\n", p.ppl, static_cast<long long>(p.evalTokens),
                    static_cast<long long>(p.windows), static_cast<long long>(r.seqLen), p.seconds);
    });
}

} // namespace awb::cli
