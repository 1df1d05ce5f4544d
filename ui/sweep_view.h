#pragma once
// The Sweep view: pick w_bit × group size × zero point × method in a grid, start and cancel the
// sweep, follow an overall and a per-point progress bar, and watch rows appear as points are
// stored; "Open store…" reopens a sweep from its HDF5 file. The view only gathers and shows: the
// main window runs the job (JobRunner) and feeds the progress and rows back.
#include "ui/sweep_data.h"

#include <QWidget>

#include <map>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace awb::ui {

class CopyableTableView;
class SweepTableModel;

class SweepView : public QWidget {
    Q_OBJECT
public:
    explicit SweepView(QWidget* parent = nullptr);
    // The grid as checked (model, calibration sets and store are the caller's to fill).
    SweepRequest gridRequest() const;
    QString storePath() const;
    void setStorePath(const QString& path);
    void setChecked(const std::vector<int>& wBits, const std::vector<int64_t>& groups);
    SweepTableModel* tableModel() const { return m_model; }

    // Fed by the main window while a sweep runs (GUI thread).
    void sweepStarted(const SweepTable& header);
    void pointProgress(const QString& key, qint64 done, qint64 total, const QString& stage);
    void overallProgress(qint64 doneMilli, qint64 totalMilli, double etaSeconds);
    void rowStored(const SweepTableRow& row);
    void sweepFinished(bool ok, const QString& message);
    void showTable(const SweepTable& table); // a store opened from disk

Q_SIGNALS:
    void startRequested();
    void cancelRequested();
    void openRequested(const QString& path);

private:
    void setRunning(bool running);
    std::map<int, QCheckBox*> m_bits;
    std::map<long long, QCheckBox*> m_groups;
    QCheckBox* m_zp;
    QCheckBox* m_sym;
    QCheckBox* m_awq;
    QCheckBox* m_rtn;
    QComboBox* m_search;
    QLineEdit* m_store;
    QPushButton* m_start;
    QPushButton* m_cancel;
    QProgressBar* m_overall;
    QProgressBar* m_point;
    QLabel* m_status;
    SweepTableModel* m_model;
    CopyableTableView* m_table;
};

} // namespace awb::ui
