#pragma once
// The "diagnose" job: how far a quantized model Q drifts from its FP original F, by every metric of
// docs/METRICS.md, with the gates and the diagnosis table, optionally stored as an HDF5 report
// (core/store/drift_report.h). The CLI (`awb diagnose`) and the GUI call this same function.
// Q comes from an AutoAWQ folder (quantDir) or is made here from F (AWQ search or RTN; w_bit 16 =
// no quantization, F against itself). Runs on the calling thread; progress, warnings and cancel go
// through the JobContext (cancel is honoured between windows, variants and blocks: Cancelled is
// thrown and no report file is left). Every input is checked before a model is loaded: bad
// settings throw ArgumentError, unreadable or malformed files IoError/FormatError naming the file.
#include "core/base/job_context.h"
#include "core/eval/calibration_sanity.h"
#include "core/eval/drift.h"
#include "core/eval/layer_error.h"
#include "core/quant/calibration.h"
#include "core/quant/quant_config.h"

#include <string>
#include <utility>
#include <vector>

namespace awb {

struct DiagnoseOptions {
    std::string model;     // FP model (empty = the embedded stories260K)
    std::string tokenizer; // empty = found beside the model
    std::string quantDir;  // an AutoAWQ folder as Q; when set, method/quant below are not used
    std::string method = "awq"; // awq | rtn
    QuantConfig quant;          // wBit 16 = no quantization (Q is F: every drift is 0)
    std::vector<std::string> calib; // calibration sources (as `awb quantize --calib`); needed for awq
    CalibrationOptions calibration = defaultCalibration();
    std::string probes;   // probe set JSON (empty = resources/probes/stories260K-probes.json)
    std::string evalText; // eval text (the perplexity protocol's file)
    std::string report;   // HDF5 report path (empty = none)
    DriftSettings settings;
    int64_t layerErrorWindows = 8; // calibration blocks (or eval windows) the per-layer error runs on

    static CalibrationOptions defaultCalibration()
    {
        CalibrationOptions c;
        c.nBlocks = 32; // enough for stories260K's AWQ (bench/RESULTS.md) and a quick report
        return c;
    }
};

struct DiagnoseProvenance {
    std::string toolVersion, created; // created: UTC, ISO 8601
    std::string fpModel, fpModelHash, fpDtype;
    std::string qSource, qModelHash, method, quantLabel, calibration;
    std::vector<std::string> calibSources;
    std::string evalText, evalTextHash, probes, probesHash;
};

struct DiagnoseResult {
    FpReference reference;
    DriftComparison drift;
    LayerErrorMap layerError;
    bool hasCalibrationSanity = false;
    CalibrationSanity calibrationSanity;
    DiagnoseProvenance provenance;
    std::vector<std::pair<std::string, double>> seconds; // stage -> wall seconds, in order
    std::vector<std::string> warnings;
    double totalSeconds = 0;
};

DiagnoseResult runDiagnose(const DiagnoseOptions& options, JobContext& job);

} // namespace awb
