#pragma once
// Progress of the running job on stderr: on a terminal one line, redrawn in place, with stage,
// bar, percentage and ETA; when stderr is not a terminal (CI logs, pipes) plain lines at every
// tenth and at each new stage. Log lines clear the bar first so they never mix with it.
// Used from the job's thread only.
#include <chrono>
#include <cstdint>
#include <string>

namespace awb::cli {

class ProgressPrinter {
public:
    ProgressPrinter();
    void progress(int64_t done, int64_t total, const std::string& stage);
    void log(const std::string& line);
    // Ends a bar left on the line (before the command prints its result).
    void finish();

private:
    using Clock = std::chrono::steady_clock;
    bool m_tty;
    std::string m_stage;
    // The ETA runs over one series of reports (one total, done growing), across its stage labels:
    // the AWQ search names each block's steps as stages of one series.
    int64_t m_seriesTotal = -1, m_lastDone = 0;
    Clock::time_point m_seriesStart, m_lastDraw;
    int m_lastTenth = -1;
    bool m_barShown = false;
};

// "1m05s", "12s", "2h03m" (exposed for the test of the format).
std::string formatDuration(double seconds);

} // namespace awb::cli
