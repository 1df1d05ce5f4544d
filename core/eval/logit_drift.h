#pragma once
// Logit drift (docs/METRICS.md §1): per scored position, how Q's next-token distribution differs from
// F's on the same teacher-forced window. Pure functions on tensors; any thread.
#include <ATen/Tensor.h>
#include <vector>

namespace awb {

struct LogitComparison {
    at::Tensor kl;        // fp32 [N]: KL(P_F || P_Q) in nats
    at::Tensor top1Agree; // bool [N]: argmax P_F == argmax P_Q
    at::Tensor deltaP;    // fp32 [N]: P_Q(correct) - P_F(correct); negative = Q less sure of the truth
};

// logitsF, logitsQ: fp32 [N, V] logits (or log-probabilities) of the same positions; targets: int64
// [N], the correct next tokens. Row by row (core/eval/logit_rows.h). Throws ShapeError when the
// shapes disagree.
LogitComparison compareLogits(const at::Tensor& logitsF, const at::Tensor& logitsQ, const at::Tensor& targets);

// The p-th percentile (p in [0, 100]) with linear interpolation between order statistics (numpy's
// default), so p99 over few positions is not simply the maximum. 0 for an empty list.
double percentile(std::vector<double> values, double p);

} // namespace awb
