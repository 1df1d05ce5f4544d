#pragma once
// JobContext: how a long core job reports progress, learns that it must stop, and collects warnings.
// Any thread may call cancel(); the job thread calls report()/checkCancelled() between steps (never
// inside a kernel). The progress callback runs on the job thread; returning false requests a stop.
#include "core/base/error.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace awb {

class JobContext {
public:
    using ProgressFn = std::function<bool(int64_t done, int64_t total, const std::string& stage)>;
    using LogFn = std::function<void(const std::string& line)>;

    JobContext() = default;
    explicit JobContext(ProgressFn progress, LogFn log = {}) : m_progress(std::move(progress)), m_log(std::move(log)) {}

    void cancel() { m_cancelled.store(true); }
    bool isCancelled() const { return m_cancelled.load(); }
    // Throws Cancelled when a stop was requested.
    void checkCancelled() const
    {
        if (isCancelled())
            throw Cancelled();
    }
    // Reports progress and throws Cancelled when the callback or another thread asked to stop.
    void report(int64_t done, int64_t total, const std::string& stage)
    {
        if (m_progress && !m_progress(done, total, stage))
            cancel();
        checkCancelled();
    }
    void log(const std::string& line) const
    {
        if (m_log)
            m_log(line);
    }
    void warn(const std::string& message)
    {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_warnings.push_back(message);
        }
        log("warning: " + message);
    }
    std::vector<std::string> warnings() const
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_warnings;
    }

private:
    ProgressFn m_progress;
    LogFn m_log;
    std::atomic<bool> m_cancelled{false};
    mutable std::mutex m_mutex;
    std::vector<std::string> m_warnings;
};

} // namespace awb
