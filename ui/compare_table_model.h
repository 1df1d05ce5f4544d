#pragma once
// The Compare view's table: every summary figure and gate of two points A and B side by side with
// F's own value and the difference B − A. The difference cell is coloured by which point is better
// (lower is better for ppl, KL and "at most" gates; higher for top-1 and "at least" gates) and a
// gate row is marked where the verdicts differ. GUI thread only.
#include <QAbstractTableModel>

namespace awb::ui {

class DriftSet;
struct DriftPointData;

class CompareTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Metric, Fp, A, B, Difference, ColumnCount };
    explicit CompareTableModel(DriftSet* set, QObject* parent = nullptr);
    // Indices into DriftSet::points (-1: none).
    void setPair(int a, int b);
    int pointA() const { return m_a; }
    int pointB() const { return m_b; }
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    // Rows whose gate verdicts differ between A and B (for tests and the summary line).
    QStringList differingGates() const;

private:
    struct Row {
        QString name;
        double fp, a, b;
        int better;         // -1: lower is better, +1: higher, 0: neither (a cost such as bits)
        int decimals;
        bool gate = false;
        bool passA = true, passB = true;
    };
    void rebuildRows();
    const DriftPointData* point(int index) const;

    DriftSet* m_set;
    int m_a = -1, m_b = -1;
    std::vector<Row> m_rows;
};

} // namespace awb::ui
