#include "ui/sweep_table_model.h"

#include "ui/drift_table_models.h"

#include <QColor>

#include <cmath>

namespace awb::ui {

namespace {
enum Fixed { Key, Method, WBit, Group, ZeroPoint, Calibration, FixedCount };
}

const std::vector<SweepTableModel::MetricColumn>& SweepTableModel::metricColumns()
{
    // The verdict first, so it stays in view on narrow windows; then size and quality; cost last.
    static const std::vector<MetricColumn> columns{{"gates_passed", "gates", 0},         {"bits_per_weight", "bits/weight", 3},
                                                   {"ppl_q", "ppl Q", 3},                {"delta_ppl_percent", "Δppl %", 2},
                                                   {"kl_mean", "KL (nats)", 4},          {"top1_agreement", "top-1", 3},
                                                   {"layer_error_mean", "layer err", 4}, {"wall_seconds", "time (s)", 1}};
    return columns;
}

SweepTableModel::SweepTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void SweepTableModel::setTable(const SweepTable& table)
{
    beginResetModel();
    m_table = table;
    endResetModel();
}

void SweepTableModel::startTable(const SweepTable& header)
{
    beginResetModel();
    m_table = header;
    m_table.rows.clear();
    endResetModel();
}

void SweepTableModel::addRow(const SweepTableRow& row)
{
    for (size_t i = 0; i < m_table.rows.size(); ++i) {
        if (m_table.rows[i].key == row.key) {
            m_table.rows[i] = row;
            Q_EMIT dataChanged(index(int(i), 0), index(int(i), columnCount() - 1));
            return;
        }
    }
    const int at = int(m_table.rows.size());
    beginInsertRows({}, at, at);
    m_table.rows.push_back(row);
    endInsertRows();
}

int SweepTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_table.rows.size()); }
int SweepTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : FixedCount + int(metricColumns().size()); }

QVariant SweepTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const SweepTableRow& r = m_table.rows[index.row()];
    const int col = index.column();
    if (col < FixedCount) {
        if (role != Qt::DisplayRole && role != Qt::UserRole && role != Qt::TextAlignmentRole)
            return {};
        if (role == Qt::TextAlignmentRole)
            return (col == WBit || col == Group) ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
        switch (col) {
        case Key: return QString::fromStdString(r.key);
        case Method: return QString::fromStdString(r.method);
        case WBit: return r.wBit;
        case Group: return qlonglong(r.groupSize);
        case ZeroPoint: return role == Qt::UserRole ? QVariant(r.zeroPoint) : QVariant(r.zeroPoint ? tr("yes") : tr("no"));
        case Calibration: return QString::fromStdString(r.calibration.empty() ? std::string("—") : r.calibration);
        }
        return {};
    }
    const MetricColumn& m = metricColumns()[col - FixedCount];
    const int c = m_table.column(m.name);
    const double v = c >= 0 && c < int(r.values.size()) ? r.values[c] : std::nan("");
    const bool isGates = std::string(m.name) == "gates_passed";
    const int totalCol = m_table.column("gates_total");
    const double total = totalCol >= 0 && totalCol < int(r.values.size()) ? r.values[totalCol] : std::nan("");
    const bool pass = isGates && v == total;
    switch (role) {
    case Qt::DisplayRole:
        if (std::isnan(v))
            return QStringLiteral("—");
        if (isGates)
            return QStringLiteral("%1 %2/%3").arg(pass ? QStringLiteral("✓") : QStringLiteral("✗")).arg(int(v)).arg(int(total));
        return QString::number(v, 'f', m.decimals);
    case Qt::UserRole: return std::isnan(v) ? -1e300 : v;
    case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::BackgroundRole:
        if (isGates && !std::isnan(v))
            return pass ? passColor() : failColor();
        return {};
    }
    return {};
}

QVariant SweepTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char* fixed[] = {"point", "method", "w_bit", "group", "zero point", "calibration"};
    if (section < FixedCount)
        return tr(fixed[section]);
    return tr(metricColumns()[section - FixedCount].title);
}

} // namespace awb::ui
