#include "ui/project_panel.h"

#include "ui/calibration_models.h"
#include "ui/drift_set.h"
#include "ui/plot_style.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QPainter>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace awb::ui {

namespace {
constexpr int kPointRole = Qt::UserRole + 1;   // int: index in the DriftSet
constexpr int kSourceRole = Qt::UserRole + 2;  // QString: calibration source

// A small swatch in the point's w_bit colour, so the tree matches the plots.
QIcon swatch(const QColor& color)
{
    QPixmap pm(12, 12);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.setBrush(color);
    p.setPen(color.darker(130));
    p.drawEllipse(1, 1, 10, 10);
    return QIcon(pm);
}
} // namespace

ProjectPanel::ProjectPanel(DriftSet* set, QWidget* parent) : QWidget(parent), m_set(set)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("projectTree"));
    m_tree->setHeaderHidden(true);
    layout->addWidget(m_tree);
    m_model = new QTreeWidgetItem(m_tree, {tr("FP model")});
    m_calibration = new QTreeWidgetItem(m_tree, {tr("Calibration sets")});
    m_results = new QTreeWidgetItem(m_tree, {tr("Results")});
    const std::pair<const char*, const char*> bundled[] = {{"tinystories", "TinyStories sample (bundled)"}, {"wikitext2", "WikiText-2 lines 1–2000 (bundled)"}};
    for (const auto& [name, text] : bundled) {
        auto* item = new QTreeWidgetItem(m_calibration, {tr(text)});
        item->setData(0, kSourceRole, QString::fromLatin1(name));
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(0, std::string(name) == "tinystories" ? Qt::Checked : Qt::Unchecked);
    }
    m_tree->expandAll();
    connect(m_tree, &QTreeWidget::itemChanged, this, [this](QTreeWidgetItem* item, int column) {
        if (item->parent() == m_calibration && column == 0)
            Q_EMIT calibrationCheckChanged(item->data(0, kSourceRole).toString(), item->checkState(0) == Qt::Checked);
    });
    connect(set, &DriftSet::pointsChanged, this, &ProjectPanel::rebuildPoints);
    connect(set, &DriftSet::selectionChanged, this, [this](int index) {
        for (int i = 0; i < m_results->childCount(); ++i) {
            QFont f = m_results->child(i)->font(0);
            f.setBold(i == index);
            m_results->child(i)->setFont(0, f);
        }
    });
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        if (item && item->parent() == m_results)
            m_set->select(item->data(0, kPointRole).toInt());
    });
}

void ProjectPanel::setModelPath(const QString& path, const QString& description)
{
    qDeleteAll(m_model->takeChildren());
    auto* item = new QTreeWidgetItem(m_model, {QFileInfo(path).fileName() + QStringLiteral(" — ") + description});
    item->setToolTip(0, path);
    m_model->setExpanded(true);
}

std::vector<std::string> ProjectPanel::checkedCalibration() const
{
    std::vector<std::string> sources;
    for (int i = 0; i < m_calibration->childCount(); ++i)
        if (m_calibration->child(i)->checkState(0) == Qt::Checked)
            sources.push_back(m_calibration->child(i)->data(0, kSourceRole).toString().toStdString());
    return sources;
}

void ProjectPanel::addCalibrationFile(const QString& path)
{
    auto* item = new QTreeWidgetItem(m_calibration, {QFileInfo(path).fileName()});
    item->setToolTip(0, path);
    item->setData(0, kSourceRole, path);
    item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
    item->setCheckState(0, Qt::Checked);
    m_calibration->setExpanded(true);
}

void ProjectPanel::setCalibrationChoices(const CalibrationChoices& choices)
{
    const QSignalBlocker block(m_tree); // a mirror: no calibrationCheckChanged echo
    // Same sources (a tick): update the check marks in place. Rebuilding would delete the item whose
    // itemChanged signal may still be on the stack.
    bool same = m_calibration->childCount() == int(choices.sources.size());
    for (int i = 0; same && i < m_calibration->childCount(); ++i)
        same = m_calibration->child(i)->data(0, kSourceRole).toString().toStdString() == choices.sources[size_t(i)].source;
    if (same) {
        for (int i = 0; i < m_calibration->childCount(); ++i)
            m_calibration->child(i)->setCheckState(0, choices.sources[size_t(i)].checked ? Qt::Checked : Qt::Unchecked);
        return;
    }
    qDeleteAll(m_calibration->takeChildren());
    for (const CalibrationSourceChoice& c : choices.sources) {
        const QString source = QString::fromStdString(c.source);
        auto* item = new QTreeWidgetItem(m_calibration, {calibrationSourceLabel(c.source)});
        item->setToolTip(0, source);
        item->setData(0, kSourceRole, source);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(0, c.checked ? Qt::Checked : Qt::Unchecked);
    }
    m_calibration->setExpanded(true);
}

void ProjectPanel::rebuildPoints()
{
    qDeleteAll(m_results->takeChildren());
    const auto& points = m_set->points();
    for (size_t i = 0; i < points.size(); ++i) {
        const DriftPointData& p = *points[i];
        auto* item = new QTreeWidgetItem(m_results, {QStringLiteral("%1 — %2 %3/%4 gates")
                                                          .arg(QString::fromStdString(p.label))
                                                          .arg(p.allGatesPass() ? QStringLiteral("✓") : QStringLiteral("✗"))
                                                          .arg(p.gatesPassed())
                                                          .arg(p.gates.size())});
        item->setIcon(0, swatch(wBitColor(p.wBit)));
        item->setData(0, kPointRole, int(i));
        QFont f = item->font(0);
        f.setBold(int(i) == m_set->selectedIndex());
        item->setFont(0, f);
    }
    m_results->setExpanded(true);
}

} // namespace awb::ui
