#pragma once
// Perplexity by the protocol of docs/METRICS.md §1: the eval tokens cut into non-overlapping
// windows of seqLen-1 tokens, BOS in front of each, every token after BOS scored.
#include "core/base/job_context.h"
#include "core/model/model.h"

#include <ATen/Tensor.h>
#include <functional>
#include <string>
#include <vector>

namespace awb {

struct PerplexityOptions {
    int64_t seqLen = 512;
    int64_t batchTokens = 8192; // windows evaluated together, bounding activation memory
    // Also bounds a batch by its fp32 logits [windows, seqLen, vocab]: batchTokens alone is sized for
    // activations, but with a 32000-token vocabulary 16 windows of 512 hold 1 GB of logits and
    // log_softmax makes a second copy. At least one window always runs; stories260K (vocab 512,
    // 1 MB per window) is unaffected, so its figures stay bit-identical.
    int64_t logitsBudgetBytes = int64_t(256) << 20;
};

struct PerplexityResult {
    double ppl = 0;
    double totalNll = 0;
    int64_t scoredTokens = 0;
    int64_t evalTokens = 0; // tokens of the text (without the BOS put in front of windows)
    int64_t windows = 0;
    double seconds = 0;
};

// Windows evaluated together under the options' token and logits bounds (at least 1); shared with the
// drift metrics so their ppl_F is this function's figure.
int64_t windowsPerBatch(const Model& model, const PerplexityOptions& options);

// The protocol's windows, each [<= seqLen] int64 starting with BOS. Throws ArgumentError when
// seqLen is below 2 or above the model's context.
std::vector<at::Tensor> makeEvalWindows(const Model& model, const std::vector<int64_t>& tokens, int64_t seqLen);

// Log-probabilities of each next token [b, L-1, V] (fp32) from the final hidden states [b, L, dim]
// (forwardHidden): the LM head and log-softmax of forEachWindowBatch, so the same bits for the same batch.
at::Tensor logProbsOfHidden(const Model& model, const at::Tensor& hidden);

// Runs windows through the model in batches of equal-length windows (windowsPerBatch bounds them):
// fn receives the index of the batch's first window, the batch [b, L] and the log-probabilities of
// each next token [b, L-1, V] (fp32), and the final hidden states the LM head read [b, L, dim]. Reports
// progress under `stage` (job may be null). The one batching rule of perplexity and the drift
// metrics, so that their ppl_F is awb eval's figure.
using WindowBatchFn =
    std::function<void(size_t first, const at::Tensor& input, const at::Tensor& logProbs, const at::Tensor& hidden)>;
void forEachWindowBatch(const Model& model, const std::vector<at::Tensor>& windows, const PerplexityOptions& options, JobContext* job,
                        const std::string& stage, const WindowBatchFn& fn);

PerplexityResult evaluatePerplexity(const Model& model, const std::vector<int64_t>& tokens, const PerplexityOptions& options,
                                    JobContext* job = nullptr);

} // namespace awb
