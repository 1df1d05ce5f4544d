#pragma once
// AwqResult: what the AWQ search found (per-channel scales and per-group clip ranges for every
// block) and why (the loss of every grid point, the activation magnitudes). It is a result in its
// own right: stored in HDF5 (core/store/result_store.h) and re-applied to the FP model without searching.
// Plain values; safe to share read-only between threads (e.g. handed to the GUI in a shared_ptr).
#include "core/model/model.h"
#include "core/quant/quant_config.h"

#include <ATen/Tensor.h>
#include <limits>
#include <string>
#include <vector>

namespace awb {

// One scale search: a group of linears sharing an input, the op the scale folds into.
struct ScaleSearch {
    std::string prevOp;               // input_layernorm | v_proj | post_attention_layernorm | up_proj
    std::vector<std::string> linears; // e.g. q_proj, k_proj, v_proj
    at::Tensor scales;                // fp32 [channels]: weights' input columns *= s, prevOp /= s
    at::Tensor activationMean;        // fp32 [channels]: mean |x| per input channel
    at::Tensor alphas, losses;        // fp32 [grid]: the search history (loss = output MSE; NaN for an alpha that
                                      // a screened search, AwqOptions::scaleScreenEvery, did not run on every window)
    double bestAlpha = 0;
    double fpLoss = 0;                // loss with scales = 1 (plain RTN of the group), for reference
};

// One clip search: per output channel and group, the max |w| kept (weights clamped to +-maxVal).
struct ClipSearch {
    std::string linear;
    at::Tensor maxVal; // fp32 [out, groups]
    at::Tensor ratio;  // fp32 [out, groups]: maxVal / original max |w|
};

struct BlockAwqResult {
    std::vector<ScaleSearch> scales;
    std::vector<ClipSearch> clips;
    double seconds = 0;
    // --feed auto only (empty / 0 otherwise): the feed this block's result was searched on and the
    // held-out block loss (MSE against the FP block's output) of each candidate
    std::string feed;
    double heldOutLossQuantized = 0, heldOutLossFp = 0;
};

struct AwqResult {
    std::string method = "awq"; // awq | rtn
    QuantConfig quant;
    std::string modelPath;
    std::string calibrationSummary;
    int64_t calibrationBlocks = 0, calibrationSeqLen = 0;
    std::string feed;                   // what the search was fed ("fp", "quantized", "auto"; empty for RTN and old files)
    std::string scaling;                // "activation" or "duo" (AwqScaling; empty for RTN and old files)
    double calibrationNll = std::numeric_limits<double>::quiet_NaN(); // the quantized model's mean next-token
                                        // NLL (nats) on the calibration windows; NaN when not measured
    std::vector<BlockAwqResult> blocks; // empty for RTN
};

// fp32 block weights with the result's scales folded in and clips applied (not yet quantized).
// Blocks are taken by value (a shallow copy of an lvalue): pass a temporary or std::move the block
// to let each input weight be freed as soon as its replacement exists.
BlockWeights transformBlock(BlockWeights fp32Block, const BlockAwqResult* result);
// Every linear of a block pseudo-quantized (quantize + dequantize, fp32); with `keepCodes`, also
// their codes where they fit (BlockWeights::codes: decoding streams a quarter of the bytes, same
// results), for a model that will sample tokens.
BlockWeights pseudoQuantizeBlock(BlockWeights transformed, const QuantConfig& quant, bool keepCodes = false);
// The whole model pseudo-quantized by the result (RTN when it has no blocks), fp32 weights, for
// evaluation (`keepCodes` as above). Throws ShapeError when the result does not fit the model.
Model applyAwqResult(const Model& fp, const AwqResult& result, bool keepCodes = false);

} // namespace awb
