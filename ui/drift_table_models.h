#pragma once
// Item models over the DriftSet for the Results and Diagnosis tables. Numbers are right-aligned
// with a fixed number of decimals per column; Qt::UserRole holds the raw value so a
// QSortFilterProxyModel (sortRole = Qt::UserRole) sorts numerically; verdict cells say ✓/✗ in
// words and colour (never colour alone). GUI thread only.
#include <QAbstractTableModel>

namespace awb::ui {

class DriftSet;
struct DriftPointData;

// One row per point: settings, bits per weight, ppl, Δppl%, KL, top-1, gates passed.
class PointsTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Point, Method, WBit, Group, ZeroPoint, Bits, PplQ, DeltaPpl, Kl, Top1, Gates, ColumnCount };
    explicit PointsTableModel(DriftSet* set, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    DriftSet* m_set;
};

// The selected point's gates: one row per gate, with F's own value where the gate has one.
class GatesTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Gate, Verdict, Value, Comparison, Threshold, FpValue, ColumnCount };
    explicit GatesTableModel(DriftSet* set, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    DriftSet* m_set;
};

// The selected point's diagnosis: symptom -> likely cause -> next step (empty when all gates pass).
class DiagnosisTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Symptom, Cause, NextStep, FailedGates, ColumnCount };
    explicit DiagnosisTableModel(DriftSet* set, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    DriftSet* m_set;
};

// The ΔS table: one row per point and probe case, F's figures beside Q's. Q's cells are coloured by
// the threshold of the matching gate of that point (ΔS(q, r), drift, coverage, anchor gap; λ: F
// convergent and Q not fails), so a reviewer sees which cases a failed mean gate comes from.
class CaseTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Point, Case, QrF, QrQ, AnchorF, AnchorQ, GapF, GapQ, CoverageF, CoverageQ, Drift, LambdaF, LambdaQ, ColumnCount };
    explicit CaseTableModel(DriftSet* set, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    // The point (index into DriftSet::points) a row belongs to.
    int pointOfRow(int row) const;

private:
    DriftSet* m_set;
    int cases() const;
};

// Pass/fail cell colours shared by every table and the PDF (light, so black text stays legible).
QColor passColor();
QColor failColor();

} // namespace awb::ui
