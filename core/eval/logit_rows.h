#pragma once
// Next-token statistics straight from rows of logits [N, V] fp32, one row at a time in fp64 sums,
// without a log-softmax tensor: its exp, products and fp64 copies were each a [N, V] temporary (100 MB
// per window of 512 at a 49k vocabulary) and took 1.1 s a window on one thread for Q's comparison at
// the 135M shape. Rows of log-probabilities give the same figures (a row's constant offset cancels).
// Uses AVX2+FMA when the CPU has them (a polynomial e^x, relative error < 2e-7), else std::exp.
// Pure functions; any thread.
#include <ATen/Tensor.h>
#include <cstdint>

namespace awb {

// One row's softmax in closed form: with x = z - max, S = sum e^x and T = sum e^x x,
// log-sum-exp = max + log S and the entropy -sum p log p = log S - T / S.
struct RowSoftmax {
    float max = 0;
    int64_t argmax = 0; // the first index holding the max
    double sumExp = 0;  // S
    double sumExpX = 0; // T
    double logSumExp() const;
    double entropy() const;
    double logProb(float z) const; // log p of a logit z of this row
};

RowSoftmax rowSoftmax(const float* z, int64_t V);

// KL(P_F || P_Q) of two rows of the same positions' logits, from their RowSoftmax.
double rowKl(const float* zf, const RowSoftmax& f, const float* zq, const RowSoftmax& q, int64_t V);

struct TokenStats {
    at::Tensor nll;     // fp64 [N]: -log p(target)
    at::Tensor entropy; // fp32 [N]: -sum p log p in nats
};

// logits [N, V] fp32, targets int64 [N] (the correct next tokens). Throws ShapeError on other shapes.
TokenStats tokenStats(const at::Tensor& logits, const at::Tensor& targets);

} // namespace awb
