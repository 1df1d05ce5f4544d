#pragma once
// What a sweep store says at a glance: the Pareto summary (for each bits-per-weight budget, the
// point with the least drift), and the rows as JSON (`awb sweep|merge|report --json`) and CSV
// (`--csv`). Pure functions over the store's contents; any thread.
#include "core/store/sweep_store.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace awb {

// The drift a sweep's Pareto summary minimises by default: mean KL(P_F || P_Q), docs/METRICS.md §1.
inline constexpr const char* kDefaultParetoMetric = "kl_mean";

struct ParetoEntry {
    double budget = 0; // bits per weight
    size_t row = 0;    // index into contents.rows: the least drift among points with bits <= budget
    bool atBudget = false; // that point itself uses the whole budget (else a cheaper point is better)
};

// One entry per distinct bits-per-weight value of the rows, ascending. Rows whose metric is NaN are
// skipped. Throws ArgumentError naming the metric when the store has no such column.
std::vector<ParetoEntry> paretoSummary(const SweepStoreContents& contents, const std::string& metric = kDefaultParetoMetric);

// {"store", "plan_hash", "planned_points", "columns", "points": [{settings..., metrics...}],
//  "pareto": [{"budget", "key", "<metric>"}], "pareto_metric"}.
nlohmann::json toJson(const SweepStoreContents& contents, const std::vector<ParetoEntry>& pareto, const std::string& metric);
// Every row with its settings and metrics, and a column "pareto" (1 when the row is the best of some
// budget). Numbers in full precision; NaN and infinity written as "nan" / "inf".
std::string toCsv(const SweepStoreContents& contents, const std::vector<ParetoEntry>& pareto);

} // namespace awb
