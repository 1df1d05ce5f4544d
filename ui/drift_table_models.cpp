#include "ui/drift_table_models.h"

#include "ui/drift_set.h"

#include <QColor>

#include <cmath>

namespace awb::ui {

QColor passColor() { return QColor(0xd4, 0xee, 0xd9); }
QColor failColor() { return QColor(0xf8, 0xd0, 0xcc); }

namespace {
QVariant fixed(double v, int decimals)
{
    if (std::isnan(v))
        return QStringLiteral("—");
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("∞") : QStringLiteral("−∞");
    return QString::number(v, 'f', decimals);
}
QVariant sortable(double v) { return std::isnan(v) ? QVariant(-1e300) : QVariant(v); }
QVariant rightAligned() { return QVariant(int(Qt::AlignRight | Qt::AlignVCenter)); }
} // namespace

// ---- PointsTableModel

PointsTableModel::PointsTableModel(DriftSet* set, QObject* parent) : QAbstractTableModel(parent), m_set(set)
{
    connect(set, &DriftSet::pointsChanged, this, [this] {
        beginResetModel();
        endResetModel();
    });
}

int PointsTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_set->points().size()); }
int PointsTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant PointsTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const DriftPointData& p = *m_set->points()[index.row()];
    const int col = index.column();
    const int gatesTotal = int(p.gates.size());
    if (role == Qt::DisplayRole) {
        switch (col) {
        case Point: return QString::fromStdString(p.label);
        case Method: return QString::fromStdString(p.method);
        case WBit: return p.wBit;
        case Group: return qlonglong(p.groupSize);
        case ZeroPoint: return p.zeroPoint ? tr("yes") : tr("no");
        case Bits: return fixed(p.bitsPerWeight, 3);
        case PplQ: return fixed(p.pplQ, 3);
        case DeltaPpl: return fixed(p.deltaPplPercent, 2);
        case Kl: return fixed(p.klMean, 4);
        case Top1: return fixed(p.top1, 3);
        case Gates:
            return QStringLiteral("%1 %2/%3").arg(p.allGatesPass() ? QStringLiteral("✓") : QStringLiteral("✗")).arg(p.gatesPassed()).arg(gatesTotal);
        }
    } else if (role == Qt::UserRole) {
        switch (col) {
        case Point: return QString::fromStdString(p.label);
        case Method: return QString::fromStdString(p.method);
        case WBit: return p.wBit;
        case Group: return qlonglong(p.groupSize);
        case ZeroPoint: return p.zeroPoint;
        case Bits: return sortable(p.bitsPerWeight);
        case PplQ: return sortable(p.pplQ);
        case DeltaPpl: return sortable(p.deltaPplPercent);
        case Kl: return sortable(p.klMean);
        case Top1: return sortable(p.top1);
        case Gates: return p.gatesPassed();
        }
    } else if (role == Qt::TextAlignmentRole) {
        if (col >= WBit && col != ZeroPoint)
            return rightAligned();
    } else if (role == Qt::BackgroundRole && col == Gates) {
        return p.allGatesPass() ? passColor() : failColor();
    } else if (role == Qt::ToolTipRole && col == Gates) {
        QStringList failed;
        for (const auto& g : p.gates)
            if (!g.pass)
                failed << QString::fromStdString(g.name);
        return failed.isEmpty() ? tr("every gate passes") : tr("failed: %1").arg(failed.join(QStringLiteral(", ")));
    }
    return {};
}

QVariant PointsTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char* names[] = {"point", "method", "w_bit", "group", "zero point", "bits/weight", "ppl Q", "Δppl %", "KL (nats)", "top-1", "gates"};
    return tr(names[section]);
}

// ---- GatesTableModel

GatesTableModel::GatesTableModel(DriftSet* set, QObject* parent) : QAbstractTableModel(parent), m_set(set)
{
    auto reset = [this] {
        beginResetModel();
        endResetModel();
    };
    connect(set, &DriftSet::pointsChanged, this, reset);
    connect(set, &DriftSet::selectionChanged, this, reset);
}

int GatesTableModel::rowCount(const QModelIndex& parent) const
{
    const DriftPointData* p = m_set->selected();
    return parent.isValid() || !p ? 0 : int(p->gates.size());
}
int GatesTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant GatesTableModel::data(const QModelIndex& index, int role) const
{
    const DriftPointData* p = m_set->selected();
    if (!p || !index.isValid() || index.row() >= int(p->gates.size()))
        return {};
    const GateData& g = p->gates[index.row()];
    const int col = index.column();
    if (role == Qt::DisplayRole) {
        switch (col) {
        case Gate: return QString::fromStdString(g.name);
        case Verdict: return g.pass ? tr("✓ pass") : tr("✗ fail");
        case Value: return fixed(g.value, 4);
        case Comparison: return QString::fromStdString(g.comparison);
        case Threshold: return fixed(g.threshold, 4);
        case FpValue: return std::isnan(g.fpValue) ? QVariant(QStringLiteral("—")) : QVariant(fixed(g.fpValue, 4).toString() + (g.fpPass ? QString() : tr(" (F fails)")));
        }
    } else if (role == Qt::UserRole) {
        switch (col) {
        case Gate: return QString::fromStdString(g.name);
        case Verdict: return g.pass;
        case Value: return sortable(g.value);
        case Comparison: return QString::fromStdString(g.comparison);
        case Threshold: return sortable(g.threshold);
        case FpValue: return sortable(g.fpValue);
        }
    } else if (role == Qt::TextAlignmentRole) {
        if (col == Value || col == Threshold || col == FpValue)
            return rightAligned();
        if (col == Comparison)
            return int(Qt::AlignCenter);
    } else if (role == Qt::BackgroundRole && col == Verdict) {
        return g.pass ? passColor() : failColor();
    }
    return {};
}

QVariant GatesTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char* names[] = {"gate", "verdict", "Q value", "", "threshold", "F value"};
    return tr(names[section]);
}

// ---- DiagnosisTableModel

DiagnosisTableModel::DiagnosisTableModel(DriftSet* set, QObject* parent) : QAbstractTableModel(parent), m_set(set)
{
    auto reset = [this] {
        beginResetModel();
        endResetModel();
    };
    connect(set, &DriftSet::pointsChanged, this, reset);
    connect(set, &DriftSet::selectionChanged, this, reset);
}

int DiagnosisTableModel::rowCount(const QModelIndex& parent) const
{
    const DriftPointData* p = m_set->selected();
    return parent.isValid() || !p ? 0 : int(p->diagnosis.size());
}
int DiagnosisTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant DiagnosisTableModel::data(const QModelIndex& index, int role) const
{
    const DriftPointData* p = m_set->selected();
    if (!p || !index.isValid() || index.row() >= int(p->diagnosis.size()))
        return {};
    const DiagnosisData& d = p->diagnosis[index.row()];
    if (role == Qt::DisplayRole || role == Qt::UserRole || role == Qt::ToolTipRole) {
        switch (index.column()) {
        case Symptom: return QString::fromStdString(d.symptom);
        case Cause: return QString::fromStdString(d.cause);
        case NextStep: return QString::fromStdString(d.nextStep);
        case FailedGates: {
            QStringList names;
            for (const auto& g : d.gates)
                names << QString::fromStdString(g);
            return names.join(QStringLiteral(", "));
        }
        }
    }
    return {};
}

QVariant DiagnosisTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char* names[] = {"symptom", "likely cause", "next step", "failed gates"};
    return tr(names[section]);
}

// ---- CaseTableModel

namespace {
double at(const std::vector<double>& v, int i) { return i < int(v.size()) ? v[i] : std::nan(""); }
int labelAt(const std::vector<int>& v, int i) { return i < int(v.size()) ? v[i] : -1; }
const GateData* gateNamed(const DriftPointData& p, const char* name)
{
    for (const GateData& g : p.gates)
        if (g.name == name)
            return &g;
    return nullptr;
}
// A case's value against its gate's threshold and comparison; no colour when the point has no such gate.
QVariant verdictColor(const DriftPointData& p, const char* gate, double value)
{
    const GateData* g = gateNamed(p, gate);
    if (!g || std::isnan(value))
        return {};
    const bool pass = g->comparison == "<=" ? value <= g->threshold : g->comparison == ">=" ? value >= g->threshold : value > g->threshold;
    return pass ? passColor() : failColor();
}
} // namespace

CaseTableModel::CaseTableModel(DriftSet* set, QObject* parent) : QAbstractTableModel(parent), m_set(set)
{
    connect(set, &DriftSet::pointsChanged, this, [this] {
        beginResetModel();
        endResetModel();
    });
}

int CaseTableModel::cases() const { return m_set->fp() ? int(m_set->fp()->caseNames.size()) : 0; }
int CaseTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_set->points().size()) * cases(); }
int CaseTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }
int CaseTableModel::pointOfRow(int row) const { return cases() > 0 ? row / cases() : -1; }

QVariant CaseTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const int c = index.row() % cases();
    const DriftPointData& p = *m_set->points()[pointOfRow(index.row())];
    const ModelSeriesData& f = m_set->fp()->fp;
    const ModelSeriesData& q = p.q;
    const int col = index.column();
    auto value = [&](int column) -> double {
        switch (column) {
        case QrF: return at(f.questionDeltaS, c);
        case QrQ: return at(q.questionDeltaS, c);
        case AnchorF: return at(f.anchorDeltaS, c);
        case AnchorQ: return at(q.anchorDeltaS, c);
        case GapF: return at(f.anchorGap, c);
        case GapQ: return at(q.anchorGap, c);
        case CoverageF: return at(f.coverage, c);
        case CoverageQ: return at(q.coverage, c);
        case Drift: return at(p.caseDrift, c);
        default: return std::nan("");
        }
    };
    auto lambda = [&](int column) { return labelAt(column == LambdaF ? f.lambdaCases : q.lambdaCases, c); };
    if (role == Qt::DisplayRole) {
        if (col == Point)
            return QString::fromStdString(p.label);
        if (col == Case)
            return QStringLiteral("%1 %2").arg(c + 1).arg(QString::fromStdString(m_set->fp()->caseNames[c]));
        if (col == LambdaF || col == LambdaQ) {
            const int l = lambda(col);
            return l < 0 ? QStringLiteral("—") : QStringLiteral("%1 %2").arg(QString::fromUtf8(lambdaSymbol(l)), QString::fromUtf8(lambdaName(l)));
        }
        return fixed(value(col), 3);
    } else if (role == Qt::UserRole) {
        if (col == Point)
            return pointOfRow(index.row());
        if (col == Case)
            return c;
        if (col == LambdaF || col == LambdaQ)
            return lambda(col);
        return sortable(value(col));
    } else if (role == Qt::TextAlignmentRole) {
        if (col >= QrF && col < LambdaF)
            return rightAligned();
    } else if (role == Qt::BackgroundRole) {
        switch (col) {
        case QrQ: return verdictColor(p, "delta_s_q_r", value(col));
        case GapQ: return verdictColor(p, "anchor_gap_mean", value(col));
        case CoverageQ: return verdictColor(p, "coverage_mean", value(col));
        case Drift: return verdictColor(p, "drift_mean", value(col));
        case LambdaQ:
            if (c < int(p.lambdaLost.size()))
                return p.lambdaLost[c] ? failColor() : passColor();
            return {};
        }
    } else if (role == Qt::ToolTipRole && col == Case) {
        return QString::fromStdString(m_set->fp()->caseNames[c]);
    }
    return {};
}

QVariant CaseTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char* names[] = {"point", "case", "ΔS(q,r) F", "ΔS(q,r) Q", "ΔS(r,a) F", "ΔS(r,a) Q", "gap F", "gap Q",
                                  "coverage F", "coverage Q", "drift", "λ F", "λ Q"};
    return tr(names[section]);
}

} // namespace awb::ui
