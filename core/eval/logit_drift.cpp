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
    c.top1Agree = logProbsF.argmax(-1).eq(logProbsQ.argmax(-1));
    // Sum in fp64: at vocab 32000 the per-token KL of a good quantization is ~1e-3 while the terms
    // are ~1e-5 each, and an fp32 sum loses their last digits. In blocks of positions: a whole window
    // of 512 x 49k in fp64 is 200 MB a temporary, and the KL formed five of them (the peak of
    // `awb diagnose` at the 135M shape). Each position's sums do not depend on the blocks.
    constexpr int64_t kPositions = 64;
    std::vector<at::Tensor> kl, deltaP;
    for (int64_t p0 = 0; p0 < logProbsF.size(0); p0 += kPositions) {
        const int64_t p1 = std::min(logProbsF.size(0), p0 + kPositions);
        at::Tensor lf = logProbsF.slice(0, p0, p1).to(at::kDouble), lq = logProbsQ.slice(0, p0, p1).to(at::kDouble);
        kl.push_back((lf.exp() * (lf - lq)).sum(-1).clamp_min(0.0).to(at::kFloat)); // >= 0 in exact arithmetic
        at::Tensor idx = targets.slice(0, p0, p1).unsqueeze(-1);
        deltaP.push_back((lq.gather(-1, idx).exp() - lf.gather(-1, idx).exp()).squeeze(-1).to(at::kFloat));
    }
    c.kl = kl.empty() ? at::zeros({0}, at::kFloat) : at::cat(kl);
    c.deltaP = deltaP.empty() ? at::zeros({0}, at::kFloat) : at::cat(deltaP);
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
