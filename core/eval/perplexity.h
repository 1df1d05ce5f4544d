#pragma once
// Perplexity by the protocol of docs/METRICS.md §1: the eval tokens cut into non-overlapping
// windows of seqLen-1 tokens, BOS in front of each, every token after BOS scored.
#include "core/base/job_context.h"
#include "core/eval/logit_rows.h"
#include "core/model/model.h"

#include <ATen/Tensor.h>
#include <functional>
#include <string>
#include <vector>

namespace awb {

struct PerplexityOptions {
    int64_t seqLen = 512;
    int64_t batchTokens = 8192; // windows evaluated together, bounding activation memory
    // Also bounds a batch by the size of its fp32 logits [windows, seqLen, vocab], as when whole
    // windows' logits were made at once (now they come in slices, LogitHead): the batches,
    // and so the figures and the activation memory measured, stay as they were. At least one window
    // always runs; stories260K (vocab 512, 1 MB per window) is bounded by batchTokens alone.
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

// A model's LM head in fp32 for many slices of logits, upcast once: a bf16 head upcast per call was
// 113 MB of fresh memory for every slice at the 135M shape.
class LogitHead {
public:
    explicit LogitHead(const Model& model);
    // fp32 logits [n, V] of final hidden states [n, dim] (forwardHidden's output).
    at::Tensor logits(const at::Tensor& hidden) const;
    // fn(p0, logits [n, V]) for consecutive slices of positions p0 .. p0 + n - 1 of one sequence's
    // final hidden states [T, dim], covering positions 0 .. T - 2 (those followed by a token to
    // predict). Slices are cut the same way for every model, so the same states give the same bits.
    void forEachSlice(const at::Tensor& hidden, const std::function<void(int64_t, const at::Tensor&)>& fn) const;
    // Statistics of each next token of one sequence: input [T] token ids, hidden [T, dim] -> [T - 1].
    TokenStats sequenceStats(const at::Tensor& input, const at::Tensor& hidden) const;

    // Positions per slice: [64, V] fp32 is 12.6 MB at a 49k vocabulary and stays in the heap for the
    // next slice (core/base/runtime.h), where a whole window's 100 MB of logits was page-faulted in
    // anew for every window.
    static constexpr int64_t kSlice = 64;

private:
    at::Tensor m_weight;
};

// Runs windows through the model in batches of equal-length windows (windowsPerBatch bounds them):
// fn receives the index of the batch's first window, the batch [b, L] and its final hidden states
// [b, L, dim]. Reports progress under `stage` (job may be null). The one batching rule of
// perplexity and the drift metrics, so that their ppl_F is awb eval's figure.
using WindowBatchFn = std::function<void(size_t first, const at::Tensor& input, const at::Tensor& hidden)>;
void forEachWindowBatch(const Model& model, const std::vector<at::Tensor>& windows, const PerplexityOptions& options, JobContext* job,
                        const std::string& stage, const WindowBatchFn& fn);

PerplexityResult evaluatePerplexity(const Model& model, const std::vector<int64_t>& tokens, const PerplexityOptions& options,
                                    JobContext* job = nullptr);

} // namespace awb
