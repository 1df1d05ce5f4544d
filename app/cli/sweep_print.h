#pragma once
// What `awb sweep`, `awb merge` and `awb report` print about a sweep store: the points as a table,
// the Pareto summary, the CSV file and the JSON line. One place, so the three commands agree.
#include "core/store/sweep_store.h"

#include <string>

namespace awb::cli {

struct SweepOutput {
    bool json = false;
    std::string csvPath;                 // write every point (and its Pareto flag) here, atomically
    std::string paretoMetric = "kl_mean";
};

// Prints the tables (stdout), writes the CSV, and with json the one JSON object as the last line;
// extra is merged into that object (e.g. which points ran now).
void printSweepStore(const SweepStoreContents& contents, const SweepOutput& output, const nlohmann::json& extra = nlohmann::json::object());
void addSweepOutputOptions(CLI::App* cmd, SweepOutput& output);

} // namespace awb::cli
