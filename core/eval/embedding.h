#pragma once
// Text embeddings and the semantic distance ΔS (docs/METRICS.md §3): model M runs on BOS + the
// text's tokens; the final-norm hidden states of the text's tokens are mean-pooled in fp32, centred
// by μ (the mean of F's pooled vectors over the probe set, the same μ for Q) and L2-normalised.
// Functions run on the calling thread; the model is only read.
#include "core/base/job_context.h"
#include "core/model/model.h"

#include <ATen/Tensor.h>
#include <cstdint>
#include <vector>

namespace awb {

// Pooled (not yet centred) embeddings of token sequences (no BOS: it is put in front here) -> fp32
// [N, dim]. Texts are batched by length and right-padded, which cannot change a causal model's states
// of the real tokens. A text longer than the context is cut to its first maxSeqLen - 1 tokens; an
// empty text pools the BOS state alone. job: cancel checked between batches.
at::Tensor pooledHidden(const Model& model, const std::vector<std::vector<int64_t>>& texts, JobContext* job = nullptr);

// Pooled embeddings of each text's prefixes of the given lengths -> fp32 [N, C, dim], from one pass
// per text (the model is causal, so the states of a prefix do not depend on what follows). A length
// beyond the text pools the whole text. Used for the λ trajectories (the answer every 16 tokens).
at::Tensor prefixPooledHidden(const Model& model, const std::vector<std::vector<int64_t>>& texts,
                              const std::vector<int64_t>& lengths, JobContext* job = nullptr);

// (pooled - mu) / ||pooled - mu|| over the last dimension; a vector equal to mu stays 0 (ΔS 1 to all).
at::Tensor centreNormalise(const at::Tensor& pooled, const at::Tensor& mu);

// ΔS(x, y) = clamp(1 - cos(e(x), e(y)), 0, 1) for all pairs of rows of unit vectors a [n, d], b [m, d]
// -> fp32 [n, m].
at::Tensor deltaS(const at::Tensor& a, const at::Tensor& b);
// ΔS of two single unit vectors [d].
double deltaS1(const at::Tensor& a, const at::Tensor& b);

} // namespace awb
