#include "core/jobs/evaluate_job.h"

#include "core/base/runtime.h"
#include "core/jobs/input_checks.h"
#include "core/tokenizer/text_source.h"

#include <nlohmann/json.hpp>

namespace awb {

EvaluateJobResult runEvaluateJob(const EvaluateJobOptions& o, JobContext& job)
{
    requireReadableFile(o.textPath, "--text");
    ModelSource source = o.model;
    source.keepInt4Packed = true; // the forward pass only
    const Model model = source.load();
    const ScopedJobThreads threads(model.config.dim);
    std::vector<int64_t> tokens;
    withErrorContext(o.textPath, [&] { tokens = encodeEvalText(*model.tokenizer, o.textPath); });
    PerplexityOptions po;
    po.seqLen = o.seqLen;
    EvaluateJobResult r;
    r.modelPath = model.sourcePath;
    r.seqLen = o.seqLen;
    r.perplexity = evaluatePerplexity(model, tokens, po, &job);
    return r;
}

nlohmann::json toJson(const EvaluateJobResult& r)
{
    const PerplexityResult& p = r.perplexity;
    return {{"ppl", p.ppl},         {"tokens", p.evalTokens}, {"scored_tokens", p.scoredTokens},
            {"windows", p.windows}, {"seqlen", r.seqLen},     {"seconds", p.seconds}};
}

} // namespace awb
