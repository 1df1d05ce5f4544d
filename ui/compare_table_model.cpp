#include "ui/compare_table_model.h"

#include "ui/drift_set.h"
#include "ui/drift_table_models.h"

#include <QColor>

#include <cmath>
#include <limits>

namespace awb::ui {

namespace {
constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
QColor differsColor() { return QColor(0xff, 0xe8, 0xa8); } // a verdict that differs: amber, with "≠" in the text
} // namespace

CompareTableModel::CompareTableModel(DriftSet* set, QObject* parent) : QAbstractTableModel(parent), m_set(set)
{
    connect(set, &DriftSet::pointsChanged, this, [this] {
        const int n = int(m_set->points().size());
        if (m_a >= n)
            m_a = -1;
        if (m_b >= n)
            m_b = -1;
        rebuildRows();
    });
}

const DriftPointData* CompareTableModel::point(int index) const
{
    return index >= 0 && index < int(m_set->points().size()) ? m_set->points()[index].get() : nullptr;
}

void CompareTableModel::setPair(int a, int b)
{
    m_a = a;
    m_b = b;
    rebuildRows();
}

void CompareTableModel::rebuildRows()
{
    beginResetModel();
    m_rows.clear();
    const DriftPointData* a = point(m_a);
    const DriftPointData* b = point(m_b);
    if (a && b) {
        auto add = [&](const QString& name, double fp, double va, double vb, int better, int decimals) {
            m_rows.push_back({name, fp, va, vb, better, decimals});
        };
        add(tr("bits per weight"), kNone, a->bitsPerWeight, b->bitsPerWeight, 0, 3);
        add(tr("perplexity"), a->pplF, a->pplQ, b->pplQ, -1, 3);
        add(tr("Δppl %"), 0, a->deltaPplPercent, b->deltaPplPercent, -1, 2);
        add(tr("KL mean (nats)"), 0, a->klMean, b->klMean, -1, 4);
        add(tr("KL p99 (nats)"), 0, a->klP99, b->klP99, -1, 4);
        add(tr("top-1 agreement"), 1, a->top1, b->top1, +1, 3);
        add(tr("gates passed"), kNone, a->gatesPassed(), b->gatesPassed(), +1, 0);
        for (const GateData& ga : a->gates) {
            for (const GateData& gb : b->gates) {
                if (gb.name != ga.name)
                    continue;
                Row r{QString::fromStdString(ga.name), ga.fpValue, ga.value, gb.value,
                      ga.comparison == "<=" ? -1 : +1, 4};
                r.gate = true;
                r.passA = ga.pass;
                r.passB = gb.pass;
                m_rows.push_back(r);
            }
        }
    }
    endResetModel();
}

int CompareTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int CompareTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant CompareTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()))
        return {};
    const Row& r = m_rows[index.row()];
    const int col = index.column();
    const double diff = r.b - r.a;
    auto number = [&](double v) -> QVariant {
        if (std::isnan(v))
            return QStringLiteral("—");
        if (std::isinf(v))
            return v > 0 ? QStringLiteral("∞") : QStringLiteral("−∞");
        return QString::number(v, 'f', r.decimals);
    };
    if (role == Qt::DisplayRole) {
        switch (col) {
        case Metric: return r.gate && r.passA != r.passB ? r.name + QStringLiteral("  ≠") : r.name;
        case Fp: return number(r.fp);
        case A: return r.gate ? QVariant(number(r.a).toString() + (r.passA ? tr(" ✓") : tr(" ✗"))) : number(r.a);
        case B: return r.gate ? QVariant(number(r.b).toString() + (r.passB ? tr(" ✓") : tr(" ✗"))) : number(r.b);
        case Difference: return std::isfinite(diff) ? QVariant((diff > 0 ? QStringLiteral("+") : QString()) + number(diff).toString()) : QVariant(QStringLiteral("—"));
        }
    } else if (role == Qt::UserRole) {
        switch (col) {
        case Metric: return r.name;
        case Fp: return r.fp;
        case A: return r.a;
        case B: return r.b;
        case Difference: return diff;
        }
    } else if (role == Qt::TextAlignmentRole && col != Metric) {
        return int(Qt::AlignRight | Qt::AlignVCenter);
    } else if (role == Qt::BackgroundRole) {
        if (col == Metric && r.gate && r.passA != r.passB)
            return differsColor();
        if (r.gate && col == A)
            return r.passA ? passColor() : failColor();
        if (r.gate && col == B)
            return r.passB ? passColor() : failColor();
        const double tolerance = 0.5 * std::pow(10.0, -r.decimals); // equal as printed: no colour
        if (col == Difference && r.better != 0 && std::isfinite(diff) && std::abs(diff) >= tolerance)
            return (diff * r.better > 0) ? passColor() : failColor();
    } else if (role == Qt::ToolTipRole && col == Difference && r.better != 0) {
        return r.better < 0 ? tr("lower is better: green where B is better than A") : tr("higher is better: green where B is better than A");
    }
    return {};
}

QVariant CompareTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    // Short headers keep the table narrow; the A and B pickers above it name the points.
    switch (section) {
    case Metric: return tr("metric");
    case Fp: return tr("FP16");
    case A: return tr("A");
    case B: return tr("B");
    case Difference: return tr("B − A");
    }
    return {};
}

QStringList CompareTableModel::differingGates() const
{
    QStringList out;
    for (const Row& r : m_rows)
        if (r.gate && r.passA != r.passB)
            out << r.name;
    return out;
}

} // namespace awb::ui
