#pragma once
// Printing of `awb diagnose`: the human-readable table (stderr) and the JSON object (stdout).
#include "core/jobs/diagnose_job.h"

#include <nlohmann/json.hpp>
#include <string>

namespace awb::cli {

void printDiagnoseTable(const DiagnoseResult& result); // to stderr
// Headline figures, gates {name: {value, threshold, pass}}, diagnosis [{symptom, cause, next_step}],
// timings; an infinite entropy onset (none) is null.
nlohmann::json diagnoseJson(const DiagnoseResult& result, const std::string& reportPath);

} // namespace awb::cli
