#pragma once
// Torch-free view of the calibration choices and of the calibration preview job
// (core/jobs/calibration_job.h) for the Calibration view. The choices are what every new point and
// sweep calibrates on (the Sweep view's SweepRequest and the demo's DiagnoseRequest copy them), and
// what a workspace saves.
#include <cstdint>
#include <string>
#include <vector>

namespace awb {
class JobContext;
}

namespace awb::ui {

// One calibration source the user can pick: a bundled set, "self", or a file.
struct CalibrationSourceChoice {
    std::string source; // "tinystories", "wikitext2", "self" or a file path
    bool checked = false;
};

// The block settings and the sources, as chosen. Defaults are the demo's (a tiny model, quick).
struct CalibrationChoices {
    std::vector<CalibrationSourceChoice> sources{{"tinystories", true}, {"wikitext2", false}, {"self", false}};
    int64_t blocks = 8, seqLen = 256;
    bool splitLongSamples = true; // TinyStories lines exceed 256 tokens: split them, do not drop them
    std::string targetText;       // sanity target; empty = the bundled TinyStories eval sample

    // Checked sources in list order: each one is one calibration set of a sweep.
    std::vector<std::string> checked() const;
};

struct CalibrationSourcePreviewData {
    std::string source, path;
    int64_t samples = 0, tokens = 0, longSamples = 0;
    std::vector<int64_t> sampleTokens; // per sample (BOS included)
    std::vector<std::string> preview;  // the first samples' text
};

struct CalibrationSanityData {
    double jsDivergence = 0, deltaS = 0, shortShare = 0;
    double jsThreshold = 0, deltaSThreshold = 0, shortShareThreshold = 0;
    int64_t samples = 0, shortSamples = 0, blockLength = 0;
    std::vector<std::string> warnings;
};

struct CalibrationPreviewData {
    std::vector<CalibrationSourcePreviewData> sources;
    int64_t blocks = 0, seqLen = 0, samplesUsed = 0, samplesDropped = 0, samplesSplit = 0, tokensAvailable = 0;
    std::string summary, targetText;
    bool hasSanity = false;
    CalibrationSanityData sanity;
    std::vector<std::string> warnings;
    double seconds = 0;
};

// Worker thread. Previews the checked sources of `choices` on `model` (empty = embedded) and, unless
// withSanity is false, checks them against the target text. Throws what runCalibrationPreview
// throws (ArgumentError naming the setting, IoError/FormatError naming the file, Cancelled).
CalibrationPreviewData previewCalibration(const std::string& model, const CalibrationChoices& choices, awb::JobContext& job,
                                          bool withSanity = true);
// The bundled target text used when CalibrationChoices::targetText is empty (any thread).
std::string defaultTargetText();

} // namespace awb::ui
