#pragma once
// The demo's points: w3/w4 × g32/g64 AWQ on the embedded model, kept small (8 calibration blocks
// of 256 tokens, two 256-token eval windows, short λ answers) so the four diagnoses finish in well
// under a minute on two cores. The same requests serve "Run" in the window and --run-demo.
#include "ui/drift_point.h"

#include <vector>

namespace awb::ui {

// calibration: sources for every point (empty = the bundled TinyStories sample).
std::vector<DiagnoseRequest> demoRequests(const std::string& model, const std::vector<std::string>& calibration);
// One point with the demo's evaluation settings.
DiagnoseRequest demoRequest(const std::string& model, const std::vector<std::string>& calibration, int wBit, int64_t groupSize,
                            bool zeroPoint = true, const std::string& method = "awq");

} // namespace awb::ui
