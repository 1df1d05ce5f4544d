#pragma once
// The Sweep view's table: one row per stored point, appended as points finish (beginInsertRows, so
// selection and sort survive), with the settings, a fixed set of metric columns from the store and
// a gates cell (✓/✗ passed/total, coloured). Qt::UserRole holds raw values for the sort proxy.
#include "ui/sweep_data.h"

#include <QAbstractTableModel>

namespace awb::ui {

class SweepTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit SweepTableModel(QObject* parent = nullptr);
    // Replaces everything (a store opened or a sweep's final table).
    void setTable(const SweepTable& table);
    // Sets the columns of a sweep that starts (no rows yet).
    void startTable(const SweepTable& header);
    // Adds a finished point, or replaces the row with the same key.
    void addRow(const SweepTableRow& row);
    const SweepTable& table() const { return m_table; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    struct MetricColumn {
        const char* name; // store column
        const char* title;
        int decimals;
    };
    static const std::vector<MetricColumn>& metricColumns();
    SweepTable m_table;
};

} // namespace awb::ui
