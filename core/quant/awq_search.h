#pragma once
// The AWQ search, block by block (llm-awq's order): capture each group's input with the FP block
// (kept only while that group is searched), search per-channel scales for each group of linears
// sharing an input (loss = MSE of the module output with scaled, pseudo-quantized weights; FP
// outputs computed once and reused across the grid), fold them in, search per-group clip ranges,
// and feed the next block the quantized block's output (or, as an option, the FP output). Blocks
// are upcast one at a time and their mapped pages released, so a bf16 model streams from its
// mapping. Runs on the calling thread; progress and cancel via JobContext.
#include "core/quant/awq_result.h"
#include "core/base/job_context.h"

#include <ATen/Tensor.h>

namespace awb {

struct AwqOptions {
    QuantConfig quant;
    int scaleGrid = 20;          // alpha = 0, 1/grid, ..., (grid-1)/grid
    bool searchScales = true;
    bool searchClip = true;
    int clipGrid = 20;           // shrink steps of 1/clipGrid ...
    double maxShrink = 0.5;      // ... up to this fraction (10 of 20 steps)
    int64_t clipSampleTokens = 512;
    bool clipQueryKey = false;   // llm-awq skips q/k (their error shows only through attention)
    bool duoScaling = false;     // AutoAWQ: s = mean|x|^a / mean|w|^(1-a)
    bool feedQuantized = true;   // next block gets the quantized block's output (measured better than
                                 // llm-awq's FP feed on held-out text at w3/w4 x g32/g64: bench/RESULTS.md)
    int64_t windowsPerChunk = 8; // calibration windows run together (bounds attention memory) ...
    int64_t chunkBytes = 32 << 20; // ... and fewer when one window's widest activation ([T, ffn] fp32)
                                   // times the windows would exceed this (TinyLlama, T 512: 2 windows)
};

// calibration: int64 [n, seqLen]. Returns the scales, clips and search history of every block.
AwqResult runAwqSearch(const Model& model, const at::Tensor& calibration, const AwqOptions& options, JobContext* job = nullptr);

} // namespace awb
