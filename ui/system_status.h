#pragma once
// The status bar's device line: the compute device (CPU and its threads) and this process's
// resident memory, refreshed every 2 s from /proc/self/statm (cheap: one small read).
#include <QLabel>

namespace awb::ui {

class SystemStatus : public QLabel {
    Q_OBJECT
public:
    explicit SystemStatus(QWidget* parent = nullptr);
    void refresh();
};

// Resident set size in bytes (0 where /proc is not available).
long long residentBytes();

} // namespace awb::ui
