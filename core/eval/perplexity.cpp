#include "core/eval/perplexity.h"

#include "core/base/error.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <chrono>
#include <cmath>

namespace awb {

std::vector<at::Tensor> makeEvalWindows(const Model& model, const std::vector<int64_t>& tokens, int64_t seqLen)
{
    if (seqLen < 2)
        throw ArgumentError("--seqlen must be at least 2, got " + std::to_string(seqLen));
    if (seqLen > model.config.maxSeqLen)
        throw ArgumentError("--seqlen " + std::to_string(seqLen) + " exceeds the model's context of " +
                            std::to_string(model.config.maxSeqLen) + " tokens");
    if (tokens.empty())
        throw ArgumentError("the evaluation text has no tokens");
    std::vector<at::Tensor> windows;
    const size_t step = static_cast<size_t>(seqLen - 1);
    for (size_t begin = 0; begin < tokens.size(); begin += step) {
        const size_t end = std::min(tokens.size(), begin + step);
        std::vector<int64_t> w;
        w.reserve(end - begin + 1);
        w.push_back(model.config.bosId);
        w.insert(w.end(), tokens.begin() + begin, tokens.begin() + end);
        windows.push_back(at::tensor(w, at::kLong));
    }
    return windows;
}

int64_t windowsPerBatch(const Model& model, const PerplexityOptions& options)
{
    const int64_t logitsPerWindow = options.seqLen * model.config.vocabSize * static_cast<int64_t>(sizeof(float));
    return std::max<int64_t>(1, std::min(options.batchTokens / options.seqLen, options.logitsBudgetBytes / logitsPerWindow));
}

at::Tensor logProbsOfHidden(const Model& model, const at::Tensor& hidden)
{
    at::NoGradGuard noGrad;
    return at::log_softmax(applyLinear(hidden, model.lmHead).slice(1, 0, -1), -1);
}

void forEachWindowBatch(const Model& model, const std::vector<at::Tensor>& windows, const PerplexityOptions& options, JobContext* job,
                        const std::string& stage, const WindowBatchFn& fn)
{
    at::NoGradGuard noGrad;
    RopeTable rope(model.config, options.seqLen);
    const int64_t perBatch = windowsPerBatch(model, options);
    size_t i = 0;
    while (i < windows.size()) {
        // batch windows of equal length (all but possibly the last one)
        size_t j = i;
        std::vector<at::Tensor> batch;
        while (j < windows.size() && static_cast<int64_t>(batch.size()) < perBatch && windows[j].size(0) == windows[i].size(0))
            batch.push_back(windows[j++]);
        const at::Tensor input = at::stack(batch);
        const at::Tensor hidden = forwardHidden(model, rope, input);
        const at::Tensor logProbs = logProbsOfHidden(model, hidden);
        fn(i, input, logProbs, hidden);
        i = j;
        if (job)
            job->report(static_cast<int64_t>(i), static_cast<int64_t>(windows.size()), stage);
    }
}

PerplexityResult evaluatePerplexity(const Model& model, const std::vector<int64_t>& tokens, const PerplexityOptions& options,
                                    JobContext* job)
{
    const auto start = std::chrono::steady_clock::now();
    const auto windows = makeEvalWindows(model, tokens, options.seqLen);
    PerplexityResult r;
    r.evalTokens = static_cast<int64_t>(tokens.size());
    r.windows = static_cast<int64_t>(windows.size());
    forEachWindowBatch(model, windows, options, job, "perplexity", [&](size_t, const at::Tensor& input, const at::Tensor& logProbs, const at::Tensor&) {
        const at::Tensor targets = input.slice(1, 1).unsqueeze(-1);
        r.totalNll -= logProbs.gather(-1, targets).to(at::kDouble).sum().item<double>();
        r.scoredTokens += targets.numel();
    });
    r.ppl = std::exp(r.totalNll / static_cast<double>(r.scoredTokens));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

} // namespace awb
