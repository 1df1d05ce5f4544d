#pragma once
// Shared pieces of the `awb` commands: model options, the running job (progress on stderr,
// SIGINT/SIGTERM cancel), JSON output. Contract: human-readable progress goes to stderr; with
// --json a command prints exactly one JSON object as the last line of stdout.
#include "app/cli/progress.h"
#include "core/base/job_context.h"
#include "core/jobs/model_source.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <string>

namespace awb::cli {

struct ModelOptions {
    std::string model;     // empty = the embedded default model
    std::string tokenizer; // empty = found beside the model
    void addTo(CLI::App* cmd);
    ModelSource source() const;
};

// The job of the running command. While one exists, SIGINT and SIGTERM cancel it (the core stops
// at its next check, removes its temporaries, and main exits 130); a second signal ends the
// process at once. One at a time, created on the main thread.
class CliJob {
public:
    // showProgress false: for commands whose stdout shares the terminal with progress (generate).
    explicit CliJob(bool showProgress = true);
    ~CliJob();
    CliJob(const CliJob&) = delete;
    CliJob& operator=(const CliJob&) = delete;
    JobContext& context() { return m_context; }
    // Ends the progress line before the command prints its result.
    void finish() { m_printer.finish(); }

private:
    ProgressPrinter m_printer;
    JobContext m_context;
};

// --max-shard-mb: one option, one unit (MiB) on every command that writes safetensors.
void addMaxShardOption(CLI::App* cmd, int64_t& mebibytes);
inline int64_t mebibytes(int64_t n) { return n << 20; }

// Whether the user gave any of these options (to tell "default" from "asked for").
bool anyGiven(const std::vector<CLI::Option*>& options);

void printJson(const nlohmann::json& value);
void logLine(const std::string& line); // to stderr

} // namespace awb::cli
