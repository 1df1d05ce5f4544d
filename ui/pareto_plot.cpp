#include "ui/pareto_plot.h"

#include "ui/drift_set.h"
#include "ui/plot_style.h"

#include <algorithm>
#include <numeric>

namespace awb::ui {

namespace {
double metricOf(const DriftPointData& p, ParetoPlot::Metric m)
{
    switch (m) {
    case ParetoPlot::KlMean: return p.klMean;
    case ParetoPlot::Top1: return p.top1;
    default: return p.pplQ;
    }
}
bool higherIsBetter(ParetoPlot::Metric m) { return m == ParetoPlot::Top1; }
QString metricTitle(ParetoPlot::Metric m)
{
    switch (m) {
    case ParetoPlot::KlMean: return QObject::tr("KL(F‖Q) mean (nats)");
    case ParetoPlot::Top1: return QObject::tr("top-1 agreement with F (share)");
    default: return QObject::tr("perplexity (eval text)");
    }
}
} // namespace

ParetoPlot::ParetoPlot(DriftSet* set, QWidget* parent) : DriftPlot(set, tr("Quality vs bits per weight"), parent)
{
    applyPlotStyle(plot(), tr("bits per weight"), metricTitle(m_metric));
    placeLegendBelow(plot(), 4);
    refresh();
}

void ParetoPlot::setMetric(Metric metric)
{
    m_metric = metric;
    plot()->yAxis->setLabel(metricTitle(metric));
    refresh();
}

std::vector<int> ParetoPlot::paretoFront() const
{
    const auto& points = set()->points();
    std::vector<int> order(points.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return points[a]->bitsPerWeight < points[b]->bitsPerWeight; });
    // Walking up in size, a point is on the front when it is better than every smaller one.
    std::vector<int> front;
    const bool higher = higherIsBetter(m_metric);
    for (int i : order) {
        const double v = metricOf(*points[i], m_metric);
        if (front.empty()) {
            front.push_back(i);
            continue;
        }
        const double best = metricOf(*points[front.back()], m_metric);
        if (higher ? v > best : v < best) {
            if (points[front.back()]->bitsPerWeight == points[i]->bitsPerWeight)
                front.pop_back(); // same size, better quality: it replaces the other
            front.push_back(i);
        }
    }
    return front;
}

void ParetoPlot::rebuild()
{
    const FpData* fp = set()->fp();
    const auto& points = set()->points();
    if (!fp || points.empty()) {
        plot()->xAxis->setRange(2, 5);
        plot()->yAxis->setRange(0, 1);
        return;
    }
    // F first: its value as a dashed line across the plot (F against itself: KL 0, top-1 1).
    const double fpValue = m_metric == Perplexity ? points.front()->pplF : m_metric == KlMean ? 0.0 : 1.0;
    double xLo = 1e9, xHi = -1e9;
    for (const auto& p : points) {
        xLo = std::min(xLo, p->bitsPerWeight);
        xHi = std::max(xHi, p->bitsPerWeight);
    }
    const double xPad = std::max(0.1, 0.1 * (xHi - xLo));
    QCPGraph* f = plot()->addGraph();
    f->setData(QVector<double>{xLo - 10, xHi + 10}, QVector<double>{fpValue, fpValue});
    f->setPen(fpPen());
    f->setName(fpLegendName(QString::fromStdString(fp->dtype)));

    const std::vector<int> front = paretoFront();
    QCPGraph* frontLine = plot()->addGraph();
    frontLine->setLineStyle(QCPGraph::lsStepLeft);
    frontLine->setPen(QPen(QColor(0x55, 0x55, 0x55), 1.2));
    frontLine->setName(tr("Pareto front"));
    for (int i : front)
        frontLine->addData(points[i]->bitsPerWeight, metricOf(*points[i], m_metric));

    for (size_t i = 0; i < points.size(); ++i) {
        const bool selected = int(i) == set()->selectedIndex();
        QCPGraph* g = plot()->addGraph();
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(pointScatter(*points[i], selected));
        g->addData(points[i]->bitsPerWeight, metricOf(*points[i], m_metric));
        g->setName(QString::fromStdString(points[i]->label));
        g->setProperty("hover", true);
        g->setProperty("point", int(i));
    }
    double yLo = fpValue, yHi = fpValue;
    for (const auto& p : points) {
        yLo = std::min(yLo, metricOf(*p, m_metric));
        yHi = std::max(yHi, metricOf(*p, m_metric));
    }
    const double yPad = std::max(1e-3, 0.1 * (yHi - yLo));
    plot()->xAxis->setRange(xLo - xPad, xHi + xPad);
    plot()->yAxis->setRange(yLo - yPad, yHi + yPad);
}

QString ParetoPlot::describe(QCPAbstractPlottable* plottable, int) const
{
    const QVariant index = plottable->property("point");
    if (!index.isValid() || index.toInt() >= int(set()->points().size()))
        return {};
    const DriftPointData& p = *set()->points()[index.toInt()];
    return QStringLiteral("%1\n%2 bits/weight\nppl %3 (Δ %4 %)\nKL %5 nats, top-1 %6\ngates %7/%8")
        .arg(QString::fromStdString(p.label))
        .arg(p.bitsPerWeight, 0, 'f', 3)
        .arg(p.pplQ, 0, 'f', 3)
        .arg(p.deltaPplPercent, 0, 'f', 2)
        .arg(p.klMean, 0, 'f', 4)
        .arg(p.top1, 0, 'f', 3)
        .arg(p.gatesPassed())
        .arg(p.gates.size());
}

QString ParetoPlot::csv() const
{
    QString out = QStringLiteral("point,bits_per_weight,ppl_q,kl_mean,top1,on_front\n");
    const std::vector<int> front = paretoFront();
    const auto& points = set()->points();
    for (size_t i = 0; i < points.size(); ++i)
        out += QStringLiteral("%1,%2,%3,%4,%5,%6\n")
                   .arg(QString::fromStdString(points[i]->label))
                   .arg(points[i]->bitsPerWeight, 0, 'g', 8)
                   .arg(points[i]->pplQ, 0, 'g', 8)
                   .arg(points[i]->klMean, 0, 'g', 8)
                   .arg(points[i]->top1, 0, 'g', 8)
                   .arg(std::find(front.begin(), front.end(), int(i)) != front.end() ? 1 : 0);
    return out;
}

} // namespace awb::ui
