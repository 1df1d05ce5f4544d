#pragma once
// The HDF5 store of a sweep: one file per sweep (or per shard), one row per finished point.
//   /                   attrs format="awb-sweep-store", version=1, plan (JSON identity of the plan),
//                       plan_hash, planned_points, tool_version, created (UTC), fp_model, eval_text,
//                       probe_set (paths, provenance only)
//   /points             compound [n] {index, key, method, w_bit, group_size, zero_point, calibration,
//                       <one float64 per metric column>}; attr columns (JSON list of metric names)
//   /fp                 F's series (drift report layout: ppl, entropy/, and with probes embeddings/,
//                       cases/, lambda/)
//   /probe_set          with probes: questions (one per case)
//   /point/<key>        attrs index, method, w_bit, group_size, zero_point, calibration,
//                       calibration_summary; q/ (Q's series), logit_drift/, layer_error/, gates and
//                       diagnosis tables, timings {stage, seconds}, warnings, with probes cases/
//                       (drift, lambda_lost per case), and for AWQ points awq/
//                       (the search result and history in the layout of core/store/result_store.h)
// docs/sweeps.md says what each column and series means; core/store/stored_sweep.h reads it all back.
// Every write is atomic: a point is added to a copy of the store that is fsync'ed and renamed over
// it, so a killed or failed write leaves the previous store, valid and without that point. One
// writer at a time (appendSweepPoint is called from one thread; SweepStoreLock keeps other
// processes out). Errors name the file and the HDF5 path.
#include "core/eval/drift.h"
#include "core/eval/layer_error.h"
#include "core/quant/awq_result.h"

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace awb {

struct SweepRow {
    int64_t index = 0; // position in the plan
    std::string key, method, calibration;
    QuantConfig quant;
    std::vector<double> values; // one per SweepStoreHeader::columns
};

struct SweepStoreHeader {
    nlohmann::json plan;
    std::string planHash;
    int64_t plannedPoints = 0;
    std::vector<std::string> columns; // metric columns of /points, in order
    std::string toolVersion, created, fpModel, evalText, probeSet;
};

struct SweepStoreContents {
    std::string path;
    SweepStoreHeader header;
    std::vector<SweepRow> rows; // in plan order
    // A row's value of a column; NaN when the store has no such column.
    double value(const SweepRow& row, const std::string& column) const;
};

// What one point adds to the store. The pointers are borrowed for the call; awq is null for RTN.
struct SweepPointRecord {
    SweepRow row;
    std::string calibrationSummary;
    const FpReference* reference = nullptr;
    const DriftComparison* drift = nullptr;
    const LayerErrorMap* layerError = nullptr;
    const AwqResult* awq = nullptr;
    std::vector<std::pair<std::string, double>> seconds;
    std::vector<std::string> warnings;
};

// Reads header and rows. Throws IoError (missing file) or FormatError naming the file and HDF5 path.
SweepStoreContents readSweepStore(const std::string& path);
// The keys of the points a store at `path` already holds (empty when there is no file yet). Throws
// ArgumentError when the store was written by another plan, naming what differs.
std::set<std::string> storedPointKeys(const std::string& path, const SweepStoreHeader& header);
// Creates an empty store with F's series (atomically; replaces nothing: refuses an existing file).
void createSweepStore(const std::string& path, const SweepStoreHeader& header, const FpReference& reference);
// Adds one point (atomically). Throws ArgumentError when the key is already there.
void appendSweepPoint(const std::string& path, const SweepPointRecord& record);
// Copies the points of every input into a new store at out (atomically), in plan order. Throws
// ArgumentError when the inputs belong to different plans; a point held by two inputs is taken from
// the first and reported in duplicates.
SweepStoreContents mergeSweepStores(const std::vector<std::string>& inputs, const std::string& out,
                                    std::vector<std::string>* duplicates = nullptr);

// Keeps other processes from writing the same store while a sweep runs (flock on "<path>.lock",
// removed on destruction). Throws IoError naming the store when another process holds it.
class SweepStoreLock {
public:
    explicit SweepStoreLock(const std::string& storePath);
    ~SweepStoreLock();
    SweepStoreLock(const SweepStoreLock&) = delete;
    SweepStoreLock& operator=(const SweepStoreLock&) = delete;

private:
    std::string m_path;
    int m_fd = -1;
};

} // namespace awb
