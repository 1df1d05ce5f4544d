#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/eval/perplexity.h"
#include "core/tokenizer/text_source.h"

#include <cstdio>
#include <iostream>

namespace awb::cli {

void addEvalCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("eval", "Perplexity of a text file (non-overlapping windows of seqlen, BOS in front of each)");
    auto opts = std::make_shared<ModelOptions>();
    auto text = std::make_shared<std::string>();
    auto seqLen = std::make_shared<int64_t>(512);
    auto json = std::make_shared<bool>(false);
    opts->addTo(cmd);
    cmd->add_option("--text", *text, "UTF-8 text file; each non-empty line is stripped and encoded")->required();
    cmd->add_option("--seqlen", *seqLen, "window length including BOS")->capture_default_str();
    cmd->add_flag("--json", *json, "print {ppl, tokens, seconds} as the last line of stdout");
    cmd->callback([opts, text, seqLen, json] {
        Model m = opts->load();
        const auto tokens = encodeEvalText(*m.tokenizer, checkedFile(*text, "--text"));
        JobContext job = stderrJob();
        PerplexityOptions po;
        po.seqLen = *seqLen;
        PerplexityResult r = evaluatePerplexity(m, tokens, po, &job);
        if (*json) {
            printJson({{"ppl", r.ppl}, {"tokens", r.evalTokens}, {"scored_tokens", r.scoredTokens}, {"windows", r.windows},
                       {"seqlen", *seqLen}, {"seconds", r.seconds}});
            return;
        }
        std::printf("ppl %.4f over %lld tokens (%lld windows of %lld) in %.2f s\n", r.ppl, static_cast<long long>(r.evalTokens),
                    static_cast<long long>(r.windows), static_cast<long long>(*seqLen), r.seconds);
    });
}

} // namespace awb::cli
