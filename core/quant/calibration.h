#pragma once
// Calibration sets, built the llm-awq way: each sample encoded with BOS, samples longer than a
// block dropped (or split, on request), all concatenated and cut into blocks of seqLen tokens.
// Sources: text files (one sample per line, or per paragraph), JSONL ({"text": ...}), the bundled
// sets by name ("wikitext2", "tinystories"), text sampled from the FP model ("self"), and token ids
// saved by `awb calibration --save-blocks` (a .json file: each saved block is one sample, not re-tokenized).
#include "core/base/job_context.h"
#include "core/model/model.h"

#include <ATen/Tensor.h>
#include <string>
#include <vector>

namespace awb {

enum class LongSamples { Drop, Split };
enum class SampleUnit { Line, Paragraph };

struct CalibrationOptions {
    int64_t nBlocks = 128;
    int64_t seqLen = 512;
    LongSamples longSamples = LongSamples::Drop;
    SampleUnit unit = SampleUnit::Line;
    uint64_t seed = 0; // for "self"
};

struct CalibrationSet {
    at::Tensor blocks; // int64 [n, seqLen]
    int64_t samplesUsed = 0, samplesDropped = 0, samplesSplit = 0, tokensAvailable = 0;
    std::vector<std::string> sources;
    std::string summary() const;
};

// Resolves a bundled name to its file in resources/, or returns the argument unchanged.
std::string resolveCalibrationSource(const std::string& source);
// The samples of one source (text or JSONL); throws IoError/FormatError naming file and line.
std::vector<std::string> readCalibrationSamples(const std::string& path, SampleUnit unit);

// A .json source: blocks saved by `awb calibration --save-blocks`.
bool isSavedBlocksFile(const std::string& source);
// Its rows as token samples; throws IoError/FormatError naming the file and field (ids outside
// [0, vocabSize), rows of another length than "seqlen", no rows).
std::vector<std::vector<int64_t>> readSavedBlocks(const std::string& path, int64_t vocabSize);

// Builds the set; warns through job when fewer blocks than asked could be made. Throws
// ArgumentError when no block can be made (empty or too-short calibration data).
CalibrationSet buildCalibrationSet(const Model& model, const std::vector<std::string>& sources, const CalibrationOptions& options,
                                   JobContext* job = nullptr);

} // namespace awb
