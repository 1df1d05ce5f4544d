#pragma once
// A workspace: what a user set up and wants back — the open model, the calibration choices and the
// sweep store — saved as a small JSON file:
//   {"format": "awb-workspace", "version": 1, "model": "<path or empty = embedded>",
//    "calibration": {"sources": [{"source": "tinystories", "checked": true}, ...], "blocks": 8,
//                    "seqlen": 256, "long_samples": "split" | "drop", "target_text": "<path or empty>"},
//    "sweep_store": "<path or empty>"}
// Relative paths are read relative to the workspace file's folder. Any thread (no Qt objects).
#include "ui/calibration_data.h"

#include <string>

namespace awb::ui {

struct Workspace {
    std::string model; // empty = the embedded stories260K
    CalibrationChoices calibration;
    std::string sweepStore; // empty = none
};

// Writes atomically (name.tmp, fsync, rename): a failed save leaves the previous file. Throws
// IoError naming the file.
void saveWorkspace(const std::string& path, const Workspace& workspace);
// Throws IoError (unreadable) or FormatError naming the file and the JSON path of the bad field
// (e.g. "/calibration/blocks"), never a half-read workspace.
Workspace loadWorkspace(const std::string& path);

} // namespace awb::ui
