#include "core/eval/logit_rows.h"

#include "core/base/cpu_features.h"
#include "core/base/error.h"

#include <ATen/ATen.h>
#include <cmath>

namespace awb {

namespace detail {
// core/eval/logit_rows_avx2.cpp (compiled with -mavx2 -mfma; only called after the CPU check).
void rowMaxAvx2(const float* z, int64_t V, float* max, int64_t* argmax);
void rowExpSumsAvx2(const float* z, float top, int64_t V, double* S, double* T);
double rowKlSumAvx2(const float* zf, float topF, const float* zq, float topQ, int64_t V);
} // namespace detail

namespace {
// The AVX2 file's clamp: terms below it are 0, and a -inf logit gives 0 rather than 0 * -inf.
double shifted(float z, float top) { return std::max(static_cast<double>(z) - top, -87.0); }
} // namespace

double RowSoftmax::logSumExp() const { return max + std::log(sumExp); }
double RowSoftmax::entropy() const { return std::log(sumExp) - sumExpX / sumExp; }
double RowSoftmax::logProb(float z) const { return static_cast<double>(z) - logSumExp(); }

RowSoftmax rowSoftmax(const float* z, int64_t V)
{
    RowSoftmax r;
    if (cpuHasAvx2FmaF16c()) {
        detail::rowMaxAvx2(z, V, &r.max, &r.argmax);
        detail::rowExpSumsAvx2(z, r.max, V, &r.sumExp, &r.sumExpX);
        return r;
    }
    r.max = z[0];
    for (int64_t j = 1; j < V; ++j)
        if (z[j] > r.max) {
            r.max = z[j];
            r.argmax = j;
        }
    for (int64_t j = 0; j < V; ++j) {
        const double x = shifted(z[j], r.max), e = std::exp(x);
        r.sumExp += e;
        r.sumExpX += e * x;
    }
    return r;
}

double rowKl(const float* zf, const RowSoftmax& f, const float* zq, const RowSoftmax& q, int64_t V)
{
    // KL = sum p_F (log p_F - log p_Q) = sum e^xF (xF - xQ) / S_F - log S_F + log S_Q, x = z - max
    double d = 0;
    if (cpuHasAvx2FmaF16c()) {
        d = detail::rowKlSumAvx2(zf, f.max, zq, q.max, V);
    } else {
        for (int64_t j = 0; j < V; ++j) {
            const double xf = shifted(zf[j], f.max);
            d += std::exp(xf) * (xf - shifted(zq[j], q.max));
        }
    }
    return std::max(0.0, d / f.sumExp - std::log(f.sumExp) + std::log(q.sumExp)); // >= 0 in exact arithmetic
}

TokenStats tokenStats(const at::Tensor& logits, const at::Tensor& targets)
{
    if (logits.dim() != 2 || logits.scalar_type() != at::kFloat || targets.dim() != 1 || targets.size(0) != logits.size(0) ||
        targets.scalar_type() != at::kLong)
        throw ShapeError("token statistics: logits must be fp32 [N, V] and targets int64 [N]");
    const at::Tensor z = logits.contiguous();
    const int64_t n = z.size(0), V = z.size(1);
    TokenStats s{at::empty({n}, at::kDouble), at::empty({n}, at::kFloat)};
    const float* zp = z.data_ptr<float>();
    const int64_t* t = targets.contiguous().data_ptr<int64_t>();
    double* nll = s.nll.data_ptr<double>();
    float* entropy = s.entropy.data_ptr<float>();
    for (int64_t i = 0; i < n; ++i) {
        if (t[i] < 0 || t[i] >= V)
            throw ShapeError("token statistics: target " + std::to_string(t[i]) + " outside the vocabulary of " + std::to_string(V));
        const RowSoftmax r = rowSoftmax(zp + i * V, V);
        nll[i] = -r.logProb(zp[i * V + t[i]]);
        entropy[i] = static_cast<float>(r.entropy());
    }
    return s;
}

} // namespace awb
