#pragma once
// A sweep's plan: the cross product w_bit × group size × zero point × method × calibration set, in a
// fixed order, and the identity of everything its points depend on (model, eval text, probe set,
// calibration data, settings) as a JSON object and its hash. Two runs with the same hash make the
// same points, so a store (core/store/sweep_store.h) resumes only its own plan and shards merge only
// with shards of it. Paths are not part of the identity (content hashes are): shards run on other
// machines with other mount points still merge. Plain values; any thread.
#include "core/eval/drift.h"
#include "core/quant/awq_search.h"
#include "core/quant/calibration.h"
#include "core/quant/quant_config.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace awb {

// The grid and the settings every point shares.
struct SweepGrid {
    std::vector<int> wBits;
    std::vector<int64_t> groupSizes;
    std::vector<bool> zeroPoints{true};
    std::vector<std::string> methods{"awq"}; // awq | rtn
    // Calibration sets for AWQ points; one set may join several sources with '+'
    // ("wikitext2+tinystories"). RTN points do not calibrate: they run once, not once per set.
    std::vector<std::string> calibrations;
    CalibrationOptions calibration = defaultCalibration();
    AwqOptions search; // its quant field is set per point
    DriftSettings drift;
    int64_t layerErrorWindows = 8; // calibration blocks (eval windows for an RTN-only sweep) of the per-layer error

    // 32 blocks, not llm-awq's 128: a sweep runs many searches, and 32 suffice for stories260K's AWQ
    // (bench/RESULTS.md); larger models should pass more.
    static CalibrationOptions defaultCalibration()
    {
        CalibrationOptions c;
        c.nBlocks = 32;
        return c;
    }
};

struct SweepPoint {
    int64_t index = 0;       // position in the plan
    std::string method;      // awq | rtn
    QuantConfig quant;
    std::string calibration; // the set as given ("" for RTN)
    std::string key;         // unique and readable: "awq-w4-g128-zp-wikitext2", "rtn-w3-g64-sym"
};

struct SweepPlan {
    SweepGrid grid;
    std::vector<SweepPoint> points;
    nlohmann::json identity; // what the points depend on (hashes and settings, no paths)
    std::string hash;        // fnv1a64 of identity
};

// The sources of one calibration set ("a+b" -> {"a", "b"}).
std::vector<std::string> calibrationSetSources(const std::string& set);

// Checks the grid (ArgumentError naming the setting: empty lists, impossible bits or group sizes,
// duplicates, unknown methods, AWQ without a calibration set) and hashes the inputs (IoError naming a
// file that cannot be read). modelHash, evalHash and probesHash come from the caller, who knows them
// (a model already loaded in the GUI is not hashed again); probesHash is empty without a probe set.
SweepPlan makeSweepPlan(const SweepGrid& grid, const std::string& modelHash, const std::string& evalHash, const std::string& probesHash);

// The points of shard k of n (1-based k: every n-th point starting at the k-th). Throws ArgumentError
// for k outside 1..n.
std::vector<SweepPoint> shardPoints(const SweepPlan& plan, int k, int n);

} // namespace awb
