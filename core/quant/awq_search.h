#pragma once
// The AWQ search, block by block (llm-awq's order): capture each group's input with the FP block
// (kept only while that group is searched), search per-channel scales for each group of linears
// sharing an input (loss = MSE of the module output with scaled, pseudo-quantized weights; FP
// outputs computed once and reused across the grid), fold them in, search per-group clip ranges,
// and feed the next block the quantized block's output, the FP output, per block whichever a
// held-out block loss prefers, or of two whole searches the one the calibration loss prefers (AwqFeed).
// Every search ends by scoring its quantized model on the calibration windows. Blocks
// are upcast one at a time and their mapped pages released, so a bf16 model streams from its
// mapping. Runs on the calling thread; progress and cancel via JobContext.
#include "core/quant/awq_result.h"
#include "core/base/job_context.h"

#include <ATen/Tensor.h>
#include <string>

namespace awb {

// What the next block is searched on (bench/RESULTS.md, "Feed modes", has where each helps and hurts).
enum class AwqFeed {
    Fp,        // the FP block's output: llm-awq's order; every block sees the FP model's activations
    Quantized, // the quantized block's output: later blocks see (and compensate) earlier blocks' error
    Auto,      // per block, search on both and keep the candidate whose quantized block, run on the
               // quantized stream, is closer to the FP block's output on held-out calibration windows
    Best,      // the whole search with the fp and with the quantized feed (each with the scalings asked
               // for); keeps the result whose quantized model has the lowest perplexity on the
               // calibration windows (AwqResult::calibrationNll)
};
const char* feedName(AwqFeed feed); // "fp" | "quantized" | "auto" | "best"
AwqFeed feedFromName(const std::string& name); // the inverse; throws ArgumentError naming the choices

// How a scale candidate is made from the grid's alpha.
enum class AwqScaling {
    Activation, // llm-awq: s = mean|x|^alpha
    Duo,        // AutoAWQ: s = mean|x|^alpha / mean|w|^(1 - alpha), |w| normalised per group
    Best,       // the search with each (times the feeds of AwqFeed::Best), keeping the result whose
                // quantized model has the lower calibration perplexity, as AwqFeed::Best does
};
const char* scalingName(AwqScaling scaling); // "activation" | "duo" | "best"
AwqScaling scalingFromName(const std::string& name);

struct AwqOptions {
    QuantConfig quant;
    int scaleGrid = 20;          // alpha = 0, 1/grid, ..., (grid-1)/grid
    int scaleScreenEvery = 0;    // > 1: an optional approximation (off by default). Each alpha is ranked on every
                                 // n-th calibration window; only alpha 0 and the scaleScreenKeep best get the loss on
    int scaleScreenKeep = 2;     // all windows (the others' loss is NaN). See bench/RESULTS.md, "Screening alpha".
    bool searchScales = true;
    bool searchClip = true;
    int clipGrid = 20;           // shrink steps of 1/clipGrid ...
    double maxShrink = 0.5;      // ... up to this fraction (10 of 20 steps)
    int64_t clipSampleTokens = 512;
    bool clipQueryKey = false;   // llm-awq skips q/k (their error shows only through attention)
    bool clipQueryKeyByAttention = false; // clip q/k (implies clipQueryKey), then keep per block the share of
                                          // that clipping whose attention output is closest to the FP block's
    AwqScaling scaling = AwqScaling::Best; // see AwqScaling and bench/RESULTS.md ("Scalings": why best is the default)
    AwqFeed feed = AwqFeed::Best;          // see AwqFeed and bench/RESULTS.md ("Feed modes": why best is the default)
    int autoHoldoutEvery = 4;    // Auto: every 4th calibration window decides and is not searched on
                                 // (0 or 1, or fewer windows than this: all windows, in-sample)
    int64_t windowsPerChunk = 8; // calibration windows run together (bounds attention memory) ...
    int64_t chunkBytes = 32 << 20; // ... and fewer when one window's widest activation ([T, ffn] fp32)
                                   // times the windows would exceed this (TinyLlama, T 512: 2 windows)
};

// Throws ArgumentError naming the option for impossible search settings (runAwqSearch checks them too).
void checkAwqOptions(const AwqOptions& options);

// calibration: int64 [n, seqLen]. Returns the scales, clips and search history of every block.
AwqResult runAwqSearch(const Model& model, const at::Tensor& calibration, const AwqOptions& options, JobContext* job = nullptr);

} // namespace awb
