#pragma once
// Each command registers itself as a subcommand whose callback does the work.
#include <CLI/CLI.hpp>

namespace awb::cli {

void addInspectCommand(CLI::App& app);
void addGenerateCommand(CLI::App& app);
void addEvalCommand(CLI::App& app);
void addDemoCommand(CLI::App& app);
void addQuantizeCommand(CLI::App& app);
void addConvertCommand(CLI::App& app);
void addExportCommand(CLI::App& app);
void addDiagnoseCommand(CLI::App& app);
void addSweepCommand(CLI::App& app);
void addMergeCommand(CLI::App& app);
void addReportCommand(CLI::App& app);
void addCalibrationCommand(CLI::App& app);

} // namespace awb::cli
