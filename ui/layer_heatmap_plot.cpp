#include "ui/layer_heatmap_plot.h"

#include "ui/drift_set.h"
#include "ui/plot_style.h"

#include <algorithm>

namespace awb::ui {

LayerHeatmapPlot::LayerHeatmapPlot(DriftSet* set, QWidget* parent) : DriftPlot(set, tr("Per-layer error"), parent)
{
    applyPlotStyle(plot(), tr("linear"), tr("layer (block index)"));
    m_scale = new QCPColorScale(plot());
    plot()->plotLayout()->addElement(0, 1, m_scale);
    m_scale->setType(QCPAxis::atRight);
    m_scale->axis()->setLabel(tr("relative output error"));
    m_scale->setGradient(viridisGradient());
    auto* group = new QCPMarginGroup(plot());
    plot()->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    m_scale->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    plot()->setInteractions(QCP::Interactions()); // a 7-column map needs no zoom; hover still works
    refresh();
}

void LayerHeatmapPlot::rebuild()
{
    const DriftPointData* p = set()->selected();
    m_cellLabels.clear(); // the base's clearItems() deleted them
    m_columns = 0;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    if (!p || p->layers == 0 || p->linears.empty()) {
        plot()->xAxis->setTicker(ticker);
        plot()->xAxis->setRange(-0.5, 6.5);
        plot()->yAxis->setRange(-0.5, 4.5);
        plot()->plotLayout()->setRowStretchFactor(0, 1);
        return;
    }
    const int cols = int(p->linears.size());
    const int rows = int(p->layers);
    auto* map = new QCPColorMap(plot()->xAxis, plot()->yAxis);
    map->data()->setSize(cols, rows);
    map->data()->setRange(QCPRange(0, cols - 1), QCPRange(0, rows - 1));
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c)
            map->data()->setCell(c, r, p->layerError[size_t(r) * cols + c]);
    // One colour scale for every point of the set: switching the selection (or the Compare view's
    // A and B maps) compares like with like.
    double maxErr = 0;
    for (const auto& other : set()->points())
        for (double v : other->layerError)
            maxErr = std::max(maxErr, v);
    map->setColorScale(m_scale);
    map->setInterpolate(false);
    map->setName(QString::fromStdString(p->label));
    map->setDataRange(QCPRange(0, maxErr > 0 ? maxErr : 1));
    for (int c = 0; c < cols; ++c)
        ticker->addTick(c, QString::fromStdString(p->linears[c]));
    plot()->xAxis->setTicker(ticker);
    plot()->xAxis->setTickLabelRotation(cols > 5 ? 30 : 0);
    auto yTicker = QSharedPointer<QCPAxisTickerFixed>::create();
    yTicker->setTickStep(1);
    yTicker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    plot()->yAxis->setTicker(yTicker);
    plot()->xAxis->setRange(-0.5, cols - 0.5);
    plot()->yAxis->setRange(-0.5, rows - 0.5);
    plot()->xAxis->setLabel(tr("linear — %1").arg(QString::fromStdString(p->label)));
    // Values in the cells when they fit: the colour alone is hard to read off exactly.
    if (rows * cols <= 120) {
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) {
                const double v = p->layerError[size_t(r) * cols + c];
                auto* t = new QCPItemText(plot());
                t->position->setCoords(c, r);
                t->setText(QString::number(v, 'f', 3));
                QFont f = plot()->font();
                f.setPointSizeF(8);
                t->setFont(f);
                t->setColor(v > 0.6 * maxErr ? Qt::black : Qt::white);
                m_cellLabels.push_back(t);
            }
    }
    m_columns = cols;
}

void LayerHeatmapPlot::adaptToSize()
{
    DriftPlot::adaptToSize();
    // The axis rect's width before layout is unknown; estimate it from the widget minus the colour
    // scale and the axis labels (~150 px).
    const int cellWidth = m_columns > 0 ? (width() - 150) / m_columns : 0;
    for (QCPItemText* t : m_cellLabels)
        t->setVisible(cellWidth >= 46);
}

QString LayerHeatmapPlot::describe(QCPAbstractPlottable*, int dataIndex) const
{
    const DriftPointData* p = set()->selected();
    if (!p || p->linears.empty() || dataIndex < 0 || dataIndex >= int(p->layerError.size()))
        return {};
    const int cols = int(p->linears.size());
    return QStringLiteral("%1\nlayer %2, %3\nrelative error = %4")
        .arg(QString::fromStdString(p->label))
        .arg(dataIndex / cols)
        .arg(QString::fromStdString(p->linears[dataIndex % cols]))
        .arg(p->layerError[dataIndex], 0, 'f', 4);
}

QString LayerHeatmapPlot::csv() const
{
    QString out = QStringLiteral("point,layer,linear,relative_error\n");
    for (const auto& p : set()->points()) {
        const int cols = int(p->linears.size());
        for (size_t i = 0; cols > 0 && i < p->layerError.size(); ++i)
            out += QStringLiteral("%1,%2,%3,%4\n")
                       .arg(QString::fromStdString(p->label))
                       .arg(i / cols)
                       .arg(QString::fromStdString(p->linears[i % cols]))
                       .arg(p->layerError[i], 0, 'g', 8);
    }
    return out;
}

} // namespace awb::ui
