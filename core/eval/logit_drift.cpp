#include "core/eval/logit_drift.h"

#include "core/base/error.h"
#include "core/eval/logit_rows.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cmath>

namespace awb {

LogitComparison compareLogits(const at::Tensor& logitsF, const at::Tensor& logitsQ, const at::Tensor& targets)
{
    if (logitsF.sizes() != logitsQ.sizes() || logitsF.dim() != 2 || targets.dim() != 1 || targets.size(0) != logitsF.size(0) ||
        logitsF.scalar_type() != at::kFloat || logitsQ.scalar_type() != at::kFloat || targets.scalar_type() != at::kLong)
        throw ShapeError("logit drift: F logits, Q logits and targets must be fp32 [N, V], fp32 [N, V] and int64 [N]");
    const at::Tensor zf = logitsF.contiguous(), zq = logitsQ.contiguous(), t = targets.contiguous();
    const int64_t n = zf.size(0), V = zf.size(1);
    LogitComparison c{at::empty({n}, at::kFloat), at::empty({n}, at::kBool), at::empty({n}, at::kFloat)};
    const float *f = zf.data_ptr<float>(), *q = zq.data_ptr<float>();
    float *kl = c.kl.data_ptr<float>(), *deltaP = c.deltaP.data_ptr<float>();
    bool* top1 = c.top1Agree.data_ptr<bool>();
    for (int64_t i = 0; i < n; ++i) {
        const int64_t target = t.data_ptr<int64_t>()[i];
        if (target < 0 || target >= V)
            throw ShapeError("logit drift: target " + std::to_string(target) + " outside the vocabulary of " + std::to_string(V));
        const float *fi = f + i * V, *qi = q + i * V;
        const RowSoftmax sf = rowSoftmax(fi, V), sq = rowSoftmax(qi, V);
        kl[i] = static_cast<float>(rowKl(fi, sf, qi, sq, V));
        top1[i] = sf.argmax == sq.argmax;
        deltaP[i] = static_cast<float>(std::exp(sq.logProb(qi[target])) - std::exp(sf.logProb(fi[target])));
    }
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
