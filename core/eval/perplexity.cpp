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

LogitHead::LogitHead(const Model& model) : m_weight(asFloat(model.lmHead)) {}

at::Tensor LogitHead::logits(const at::Tensor& hidden) const
{
    at::NoGradGuard noGrad;
    return applyLinear(hidden, m_weight);
}

void LogitHead::forEachSlice(const at::Tensor& hidden, const std::function<void(int64_t, const at::Tensor&)>& fn) const
{
    const int64_t scored = hidden.size(0) - 1;
    for (int64_t p0 = 0; p0 < scored; p0 += kSlice)
        fn(p0, logits(hidden.slice(0, p0, std::min(scored, p0 + kSlice))));
}

TokenStats LogitHead::sequenceStats(const at::Tensor& input, const at::Tensor& hidden) const
{
    const int64_t scored = hidden.size(0) - 1;
    TokenStats s{at::empty({scored}, at::kDouble), at::empty({scored}, at::kFloat)};
    forEachSlice(hidden, [&](int64_t p0, const at::Tensor& logits) {
        const int64_t n = logits.size(0);
        const TokenStats part = tokenStats(logits, input.slice(0, p0 + 1, p0 + 1 + n));
        s.nll.slice(0, p0, p0 + n).copy_(part.nll);
        s.entropy.slice(0, p0, p0 + n).copy_(part.entropy);
    });
    return s;
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
        fn(i, input, forwardHidden(model, rope, input));
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
    const LogitHead head(model);
    forEachWindowBatch(model, windows, options, job, "perplexity", [&](size_t, const at::Tensor& input, const at::Tensor& hidden) {
        for (int64_t w = 0; w < input.size(0); ++w) {
            const TokenStats s = head.sequenceStats(input[w], hidden[w]);
            r.totalNll += s.nll.sum().item<double>();
            r.scoredTokens += s.nll.numel();
        }
    });
    r.ppl = std::exp(r.totalNll / static_cast<double>(r.scoredTokens));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

} // namespace awb
