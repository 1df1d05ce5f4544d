#pragma once
// Torch-free snapshot of one point's AWQ search (core/quant/awq_result.h, stored per point in a
// sweep store under /point/<key>/awq) for the AWQ search view: per block, each scale search's loss
// against α with the chosen α, the per-channel activation magnitude and the scales it led to, and
// each linear's clip ratios. Made once on a worker (awq_search_core.cpp), then shared read-only.
#include <cstdint>
#include <string>
#include <vector>

namespace awb::ui {

struct AwqScaleSearchData {
    std::string prevOp;               // the op the scale folds into (input_layernorm, v_proj, ...)
    std::vector<std::string> linears; // the group of linears sharing this input
    std::vector<double> alphas, losses; // the grid and its output MSE (NaN: not evaluated by a screened search)
    double bestAlpha = 0;
    double rtnLoss = 0;                 // loss with scales = 1 (plain RTN of the group)
    std::vector<double> activationMean; // mean |x| per input channel
    std::vector<double> scales;         // the chosen per-channel scales
    std::string groupLabel() const;     // "q_proj, k_proj, v_proj ← input_layernorm"
};

struct AwqClipData {
    std::string linear;
    int64_t outChannels = 0, groups = 0;
    std::vector<double> ratioPerGroup; // mean over output channels of maxVal / max|w|, per group
    double meanRatio = 1, minRatio = 1;
};

struct AwqBlockData {
    std::vector<AwqScaleSearchData> scales;
    std::vector<AwqClipData> clips;
    double seconds = 0;
};

struct AwqSearchData {
    std::string storePath, key; // where it was read from
    std::string method, modelPath, calibrationSummary;
    int wBit = 0;
    int64_t groupSize = 0;
    bool zeroPoint = true;
    int64_t calibrationBlocks = 0, calibrationSeqLen = 0;
    std::vector<AwqBlockData> blocks;

    // The clip linears in the order of block 0 (the heatmap's columns).
    std::vector<std::string> clipLinears() const;
    // The mean clip ratio of block b and linear name, NaN when absent.
    double meanClipRatio(size_t block, const std::string& linear) const;
};

// Any thread. Reads /point/<key>/awq of a sweep store. Throws IoError, ArgumentError (no such point,
// or an RTN point) and FormatError naming the file and HDF5 path.
AwqSearchData readAwqSearch(const std::string& storePath, const std::string& key);
// The indices of the `count` largest values (the salient channels AWQ protects), largest first.
std::vector<int> topChannels(const std::vector<double>& magnitude, int count);

} // namespace awb::ui
