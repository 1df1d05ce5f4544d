#include "app/cli/cli_common.h"

#include <atomic>
#include <csignal>
#include <iostream>
#include <unistd.h>

namespace awb::cli {

void ModelOptions::addTo(CLI::App* cmd)
{
    cmd->add_option("--model", model, "llama2.c checkpoint (.bin) or Hugging Face model folder (default: embedded stories260K)");
    cmd->add_option("--tokenizer", tokenizer, "tokenizer.model / tokenizer.json (default: found beside the model)");
}

ModelSource ModelOptions::source() const
{
    ModelSource s;
    s.path = model;
    s.tokenizerPath = tokenizer;
    return s;
}

namespace {
std::atomic<JobContext*> g_running{nullptr};

// Async-signal-safe: an atomic load, a lock-free atomic store (JobContext::cancel) and write(2).
extern "C" void onSignal(int sig)
{
    JobContext* job = g_running.load();
    if (!job || job->isCancelled()) { // nothing to stop cleanly, or asked twice: stop now
        std::signal(sig, SIG_DFL);
        std::raise(sig);
        return;
    }
    job->cancel();
    const char message[] = "\ncancelling at the next step (send the signal again to stop at once)\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, message, sizeof message - 1);
}
} // namespace

CliJob::CliJob(bool showProgress)
    : m_context([this, showProgress](int64_t done, int64_t total, const std::string& stage) {
                    if (showProgress)
                        m_printer.progress(done, total, stage);
                    return true;
                },
                [this](const std::string& line) { m_printer.log(line); })
{
    g_running.store(&m_context);
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
}

CliJob::~CliJob()
{
    g_running.store(nullptr);
    m_printer.finish();
}

void addMaxShardOption(CLI::App* cmd, int64_t& mebibytes)
{
    cmd->add_option("--max-shard-mb", mebibytes, "split safetensors into shards of at most this many MiB (0 = one file)")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
}

bool anyGiven(const std::vector<CLI::Option*>& options)
{
    for (const CLI::Option* option : options)
        if (option->count())
            return true;
    return false;
}

void printJson(const nlohmann::json& value) { std::cout << value.dump() << std::endl; }

void logLine(const std::string& line) { std::cerr << line << std::endl; }

} // namespace awb::cli
