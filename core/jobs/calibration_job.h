#pragma once
// The calibration preview job: what the workbench's Calibration view shows before anything is
// quantized. It reads each calibration source (files, bundled names, "self"), counts the tokens of
// every sample, builds the calibration set with the chosen block settings (so the figures are the
// ones a quantize or sweep run would get), and, given a target text, runs the calibration-sanity
// check (docs/METRICS.md §6) against it. Nothing is written unless saveBlocks names a file. Runs on
// the calling thread; progress, cancel and warnings go through the JobContext.
#include "core/base/job_context.h"
#include "core/eval/calibration_sanity.h"
#include "core/quant/calibration.h"

#include <cstdint>
#include <string>
#include <vector>

namespace awb {

struct CalibrationPreviewOptions {
    std::string model;                // empty = the embedded stories260K
    std::string tokenizer;            // empty = found beside the model
    std::vector<std::string> sources; // files, "tinystories", "wikitext2", "self"; one set joins them
    CalibrationOptions calibration;   // blocks, seqlen, long samples drop/split
    std::string targetText;           // empty = no sanity check
    std::string probes;               // probe set for ΔS's centre μ (empty = the bundled one)
    int64_t previewSamples = 12;      // samples of each source kept as text
    int64_t previewChars = 400;       // each cut to this many bytes (UTF-8 safe)
    std::string saveBlocks;           // non-empty: the set's token ids written here as JSON (atomically),
                                      // {"seqlen": L, "sources": [...], "blocks": [[ids], ...]}, so another
                                      // tool (e.g. llm-awq, bench/peers) can calibrate on exactly these blocks
};

struct CalibrationSourcePreview {
    std::string source; // as given ("tinystories", a path, "self")
    std::string path;   // resolved file; empty for "self"
    int64_t samples = 0, tokens = 0;
    int64_t longSamples = 0;             // longer than one block (dropped or split, as chosen)
    std::vector<int64_t> sampleTokens;   // per sample, BOS included (as the set counts them)
    std::vector<std::string> preview;    // the first previewSamples samples' text
};

struct CalibrationPreviewResult {
    std::vector<CalibrationSourcePreview> sources;
    int64_t blocks = 0, seqLen = 0;
    int64_t samplesUsed = 0, samplesDropped = 0, samplesSplit = 0, tokensAvailable = 0;
    std::string summary;
    bool hasSanity = false;
    CalibrationSanity sanity; // against targetText
    std::vector<std::string> warnings;
    double seconds = 0;
};

// Throws ArgumentError (no source, bad block settings), IoError/FormatError naming the file that
// cannot be read, Cancelled.
CalibrationPreviewResult runCalibrationPreview(const CalibrationPreviewOptions& options, JobContext& job);

} // namespace awb
