#include "core/eval/logit_drift.h"

#include "core/base/error.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cmath>

namespace awb {

LogitComparison compareLogProbs(const at::Tensor& logProbsF, const at::Tensor& logProbsQ, const at::Tensor& targets)
{
    if (logProbsF.sizes() != logProbsQ.sizes() || logProbsF.dim() != 2 || targets.dim() != 1 || targets.size(0) != logProbsF.size(0))
        throw ShapeError("logit drift: F log-probs, Q log-probs and targets must be [N, V], [N, V], [N]");
    LogitComparison c;
    // Sum in fp64: at vocab 32000 the per-token KL of a good quantization is ~1e-3 while the terms
    // are ~1e-5 each, and an fp32 sum loses their last digits.
    at::Tensor lf = logProbsF.to(at::kDouble), lq = logProbsQ.to(at::kDouble);
    c.kl = (lf.exp() * (lf - lq)).sum(-1).clamp_min(0.0).to(at::kFloat); // >= 0 in exact arithmetic
    c.top1Agree = logProbsF.argmax(-1).eq(logProbsQ.argmax(-1));
    at::Tensor idx = targets.unsqueeze(-1);
    c.deltaP = (lq.gather(-1, idx).exp() - lf.gather(-1, idx).exp()).squeeze(-1).to(at::kFloat);
    return c;
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(values.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(rank));
    const size_t hi = std::min(values.size() - 1, lo + 1);
    return values[lo] + (rank - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

} // namespace awb
