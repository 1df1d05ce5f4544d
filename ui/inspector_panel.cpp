#include "ui/inspector_panel.h"

#include "ui/drift_set.h"
#include "ui/drift_table_models.h"

#include <QHeaderView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>

namespace awb::ui {

InspectorPanel::InspectorPanel(DriftSet* set, QWidget* parent) : QWidget(parent), m_set(set)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(QStringLiteral("inspectorTree"));
    m_tree->setHeaderLabels({tr("property"), tr("value")});
    m_tree->setColumnCount(2);
    m_tree->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    layout->addWidget(m_tree);
    connect(set, &DriftSet::selectionChanged, this, &InspectorPanel::update);
    connect(set, &DriftSet::pointsChanged, this, &InspectorPanel::update);
    update();
}

void InspectorPanel::update()
{
    m_tree->clear();
    const DriftPointData* p = m_set->selected();
    if (!p) {
        new QTreeWidgetItem(m_tree, {tr("no point selected"), QString()});
        return;
    }
    auto section = [this](const QString& title) {
        auto* item = new QTreeWidgetItem(m_tree, {title});
        QFont f = item->font(0);
        f.setBold(true);
        item->setFont(0, f);
        item->setExpanded(true);
        return item;
    };
    auto row = [](QTreeWidgetItem* parent, const QString& key, const QString& value) {
        auto* item = new QTreeWidgetItem(parent, {key, value});
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        item->setToolTip(1, value);
        return item;
    };
    auto* settings = section(tr("Setting"));
    row(settings, tr("point"), QString::fromStdString(p->label));
    row(settings, tr("method"), QString::fromStdString(p->method));
    row(settings, tr("w_bit"), QString::number(p->wBit));
    row(settings, tr("group size"), QString::number(p->groupSize));
    row(settings, tr("zero point"), p->zeroPoint ? tr("yes") : tr("no"));
    row(settings, tr("bits per weight"), QString::number(p->bitsPerWeight, 'f', 3));
    auto* metrics = section(tr("Metrics"));
    row(metrics, tr("ppl F"), QString::number(p->pplF, 'f', 3));
    row(metrics, tr("ppl Q"), QString::number(p->pplQ, 'f', 3));
    row(metrics, tr("Δppl (%)"), QString::number(p->deltaPplPercent, 'f', 2));
    row(metrics, tr("KL mean (nats)"), QString::number(p->klMean, 'f', 4));
    row(metrics, tr("KL p99 (nats)"), QString::number(p->klP99, 'f', 4));
    row(metrics, tr("top-1 agreement"), QString::number(p->top1, 'f', 3));
    row(metrics, tr("wall time (s)"), QString::number(p->seconds, 'f', 1));
    auto* gates = section(tr("Gates %1/%2").arg(p->gatesPassed()).arg(p->gates.size()));
    for (const GateData& g : p->gates) {
        auto* item = row(gates, QString::fromStdString(g.name),
                         QStringLiteral("%1 %2 (%3 %4)")
                             .arg(g.pass ? QStringLiteral("✓") : QStringLiteral("✗"))
                             .arg(g.value, 0, 'f', 3)
                             .arg(QString::fromStdString(g.comparison))
                             .arg(g.threshold, 0, 'f', 3));
        item->setBackground(1, g.pass ? passColor() : failColor());
    }
    auto* provenance = section(tr("Provenance"));
    provenance->setExpanded(false);
    for (const auto& [key, value] : p->provenance)
        row(provenance, QString::fromStdString(key), QString::fromStdString(value));
}

} // namespace awb::ui
