#include "app/cli/progress.h"

#include <cstdio>
#include <unistd.h>

namespace awb::cli {

std::string formatDuration(double seconds)
{
    const long s = static_cast<long>(seconds + 0.5);
    char text[32];
    if (s >= 3600)
        std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
    else if (s >= 60)
        std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
    else
        std::snprintf(text, sizeof text, "%lds", s);
    return text;
}

ProgressPrinter::ProgressPrinter() : m_tty(::isatty(STDERR_FILENO) == 1) {}

void ProgressPrinter::progress(int64_t done, int64_t total, const std::string& stage)
{
    const auto now = Clock::now();
    if (total != m_seriesTotal || done < m_lastDone) {
        m_seriesTotal = total;
        m_seriesStart = now;
        m_lastTenth = -1;
    }
    m_lastDone = done;
    if (stage != m_stage) {
        finish();
        m_stage = stage;
        m_lastTenth = -1;
    }
    const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
    const double elapsed = std::chrono::duration<double>(now - m_seriesStart).count();
    const std::string eta = done > 0 && done < total ? "  ETA " + formatDuration(elapsed * (1.0 - fraction) / fraction) : "";
    if (!m_tty) {
        const int tenth = static_cast<int>(fraction * 10);
        if (tenth != m_lastTenth || done == total) {
            std::fprintf(stderr, "[%s] %lld/%lld (%d%%)%s\n", stage.c_str(), static_cast<long long>(done), static_cast<long long>(total),
                         static_cast<int>(fraction * 100), eta.c_str());
            m_lastTenth = tenth;
        }
        return;
    }
    if (m_barShown && done < total && now - m_lastDraw < std::chrono::milliseconds(100))
        return; // redraw at most ten times a second
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(stderr, "\r\033[K%s [%s] %3d%% %lld/%lld%s", stage.c_str(), bar.c_str(), static_cast<int>(fraction * 100),
                 static_cast<long long>(done), static_cast<long long>(total), eta.c_str());
    std::fflush(stderr);
    m_barShown = true;
    m_lastDraw = now;
}

void ProgressPrinter::log(const std::string& line)
{
    if (m_barShown)
        std::fputs("\r\033[K", stderr);
    std::fprintf(stderr, "%s\n", line.c_str());
    m_barShown = false; // redrawn by the next progress report
}

void ProgressPrinter::finish()
{
    if (m_barShown)
        std::fputs("\n", stderr);
    m_barShown = false;
}

} // namespace awb::cli
