#pragma once
// The Jobs dock: one row per queued, running or finished job with its stage, a progress bar, the
// ETA and a Cancel button, fed by a JobRunner's signals.
#include <QWidget>

#include <map>

class QTableWidget;

namespace awb::ui {

class JobRunner;

class JobsPanel : public QWidget {
    Q_OBJECT
public:
    JobsPanel(JobRunner* runner, QWidget* parent = nullptr);
    int rowCount() const;
    QString stateText(int jobId) const; // "queued", "running", "done", "cancelled", "failed"

private:
    int rowOf(int jobId) const;
    void setState(int jobId, const QString& state);

    JobRunner* m_runner;
    QTableWidget* m_table;
    std::map<int, int> m_rows; // job id -> row
};

// "1 m 05 s", "12 s"
QString formatSeconds(double seconds);

} // namespace awb::ui
