#pragma once
// Torch-free view of a sweep (core/jobs/sweep_job.h, core/store/sweep_store.h) for the Sweep view:
// the grid a user picks, and the store's rows (one per finished point, scalar metric columns).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace awb {
class JobContext;
}

namespace awb::ui {

struct SweepRequest {
    std::string model; // empty = embedded stories260K
    std::vector<int> wBits{3, 4};
    std::vector<int64_t> groupSizes{32, 64};
    std::vector<bool> zeroPoints{true};
    std::vector<std::string> methods{"awq"};
    std::vector<std::string> calibrations{"tinystories"}; // one set per entry ("a+b" joins sources)
    int64_t calibBlocks = 8, calibSeqLen = 256;
    bool splitLongSamples = true;
    std::string evalText; // empty = bundled TinyStories sample
    int64_t evalSeqLen = 256, maxEvalWindows = 2;
    // The probe set (ΔS, free-running entropy, λ: what the triangulation and λ plots draw); empty =
    // the bundled stories260K set. withProbes = false measures logit drift and entropy only.
    bool withProbes = true;
    std::string probes;
    bool quick = true; // the workbench's preview settings (ui/drift_point.h DiagnoseRequest::quick)
    // Every AWQ point's search, as `awb sweep --feed --scaling --scale-screen` (core/quant/awq_search.h):
    // by default both feeds and both scalings, four searches a point.
    std::string feed = "best", scaling = "best";
    int scaleScreen = 0; // > 1: alpha ranked on every n-th calibration window (an approximation)
    std::string storePath; // required; an existing store of the same plan resumes
};

struct SweepTableRow {
    int64_t index = 0;
    std::string key, method, calibration;
    int wBit = 0;
    int64_t groupSize = 0;
    bool zeroPoint = true;
    std::vector<double> values; // one per SweepTable::columns
};

struct SweepTable {
    std::string path;
    int64_t plannedPoints = 0;
    std::vector<std::string> columns; // metric names ("bits_per_weight", "ppl_q", "kl_mean", ...)
    std::vector<SweepTableRow> rows;
    int column(const std::string& name) const; // -1 when absent
};

struct SweepCallbacksData {
    // Worker threads (serialized): the columns and planned size once known, a point's progress, a stored row.
    std::function<void(const SweepTable& header)> started;
    std::function<void(const std::string& key, int64_t done, int64_t total, const std::string& stage)> pointProgress;
    std::function<void(const SweepTableRow& row)> pointStored;
};

// Worker thread. Runs core runSweep; rows reach `callbacks` as points are stored; returns every row
// of the store after the run. Throws ArgumentError/IoError/FormatError naming the setting or file,
// Cancelled (finished points stay in the store).
SweepTable runSweepJob(const SweepRequest& request, awb::JobContext& job, const SweepCallbacksData& callbacks);
// Any thread. Reads a store's rows. Throws IoError/FormatError naming the file and HDF5 path.
SweepTable readSweepTable(const std::string& path);

} // namespace awb::ui
