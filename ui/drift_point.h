#pragma once
// Torch-free snapshots of a diagnose result (core/jobs/diagnose_job.h) for the views: plain
// vectors the item models and plots read on the GUI thread. Made once on the worker by
// diagnosePoint() (drift_point_core.cpp) and then shared read-only (shared_ptr<const ...>).
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace awb {
class JobContext;
}

namespace awb::ui {

// One model's series (F or a quantized Q), as the drift plots draw them.
struct ModelSeriesData {
    double ppl = 0;
    std::vector<double> entropyBlocks; // mean entropy (nats) per block of entropyBlock positions
    int64_t onsetBlock = -1;           // -1: no onset
    // Per case (docs/METRICS.md): ΔS(q, r), ΔS(r, anchor), min ΔS(r, neighbour section), the anchor
    // gap (nearest distractor minus anchor) and coverage at k.
    std::vector<double> questionDeltaS;
    std::vector<double> anchorDeltaS;
    std::vector<double> nearestDistractor;
    std::vector<double> anchorGap;
    std::vector<double> coverage;
    std::vector<std::vector<int>> lambdaRuns; // base variant: [case][run] LambdaLabel as int
    std::vector<int> lambdaCases;             // [case]
};

struct GateData {
    std::string name, comparison;
    double value = 0, threshold = 0;
    bool pass = true;
    double fpValue = std::numeric_limits<double>::quiet_NaN();
    bool fpPass = true;
};

struct DiagnosisData {
    std::string symptom, cause, nextStep;
    std::vector<std::string> gates;
};

// What F contributes: shared by every point of one run (same model, eval text and probes).
struct FpData {
    std::string modelPath, modelHash, dtype;
    int64_t entropyBlockSize = 16;
    std::vector<std::string> caseNames;
    std::vector<std::string> runNames; // "p1 s1", ... paraphrase-major, then seed
    ModelSeriesData fp;
};

struct DriftPointData {
    std::string label;  // "w4 g32 zp awq"
    std::string method; // awq | rtn
    int wBit = 4;
    int64_t groupSize = 128;
    bool zeroPoint = true;
    double bitsPerWeight = 0; // w_bit plus the per-group scale and zero (fp16 each) amortised
    double pplF = 0, pplQ = 0, deltaPplPercent = 0, klMean = 0, klP99 = 0, top1 = 0;
    ModelSeriesData q;
    std::vector<GateData> gates;
    std::vector<DiagnosisData> diagnosis;
    std::vector<double> caseDrift;  // per case: drift of Q's retrieval from F's (docs/METRICS.md)
    std::vector<bool> lambdaLost;   // per case: F convergent (→) and Q not
    std::vector<std::string> linears;   // heatmap columns
    int64_t layers = 0;
    std::vector<double> layerError;     // [layers x linears], row-major
    std::vector<std::pair<std::string, std::string>> provenance; // key, value in report order
    std::vector<std::string> warnings;
    double seconds = 0;

    int gatesPassed() const;
    bool allGatesPass() const { return gatesPassed() == int(gates.size()); }
};

// What to diagnose: the GUI's request, torch-free.
struct DiagnoseRequest {
    std::string model;              // empty = embedded stories260K
    int wBit = 4;
    int64_t groupSize = 128;
    bool zeroPoint = true;
    std::string method = "awq";
    std::vector<std::string> calibration{"tinystories"};
    int64_t calibBlocks = 8, calibSeqLen = 256;
    bool splitLongSamples = true;   // TinyStories lines exceed 256 tokens: split them, do not drop them
    std::string evalText;           // empty = bundled tinystories sample
    int64_t evalSeqLen = 256, maxEvalWindows = 2;
    bool quick = true;              // shorter free-running text and λ answers, one seed
    std::string quantDir;           // an AutoAWQ folder to diagnose as Q (wBit, groupSize, method unused)
};

struct DiagnosedPoint {
    FpData fp;
    DriftPointData point;
};

// Every point of a stored sweep with its series, as a sweep run leaves them (core/store/stored_sweep.h).
struct StoredDrift {
    std::shared_ptr<const FpData> fp;
    std::vector<std::shared_ptr<const DriftPointData>> points; // in plan order
};

// Worker thread. Runs core runDiagnose and snapshots the result. Throws what runDiagnose throws
// (awb::Error subclasses naming file/field, Cancelled).
DiagnosedPoint diagnosePoint(const DiagnoseRequest& request, awb::JobContext& job);
// Any thread. Reads a sweep store's F series and points (stored_drift_core.cpp). Throws
// IoError/FormatError naming the file and HDF5 path.
StoredDrift readStoredDrift(const std::string& storePath);

// Bits per weight of a grouped integer format when the group divides every row: w_bit + (16-bit
// scale + w_bit zero) / group (core's awb::bitsPerWeight also counts padded groups; points use that).
double bitsPerWeight(int wBit, int64_t groupSize, bool zeroPoint, int64_t inFeatures = 0);

const char* lambdaSymbol(int label); // "→", "×", "←", "⟲"
const char* lambdaName(int label);   // "convergent", ...

} // namespace awb::ui
