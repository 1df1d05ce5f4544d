#pragma once
// Shared pieces of the `awb` commands: model options, JSON output, progress on stderr.
// Contract: human-readable progress goes to stderr; with --json a command prints exactly one JSON
// object as the last line of stdout.
#include "core/base/job_context.h"
#include "core/model/model.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace awb::cli {

struct ModelOptions {
    std::string model;     // empty = the embedded default model
    std::string tokenizer; // empty = found beside the model
    void addTo(CLI::App* cmd);
    Model load(bool requireTokenizer = true) const;
};

// A job context that prints "stage done/total" progress lines to stderr (quietly when not a tty
// and not verbose: every 10%).
JobContext stderrJob();
void printJson(const nlohmann::json& value);
void logLine(const std::string& line); // to stderr
// Adds a required/optional existing-file check with a message naming the option.
std::string checkedFile(const std::string& path, const std::string& option);

} // namespace awb::cli
