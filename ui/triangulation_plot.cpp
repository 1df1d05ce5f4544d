#include "ui/triangulation_plot.h"

#include "ui/drift_set.h"
#include "ui/plot_style.h"

#include <algorithm>
#include <cmath>

namespace awb::ui {

namespace {
// The anchor-gap gate's threshold as the points were judged (0.05 unless a point says otherwise).
double gapThreshold(const DriftSet& set)
{
    for (const auto& p : set.points())
        for (const auto& g : p->gates)
            if (g.name.find("anchor") != std::string::npos && g.name.find("gap") != std::string::npos)
                return g.threshold;
    return 0.05;
}

QCPGraph* addCases(QCustomPlot* plot, const ModelSeriesData& s)
{
    QCPGraph* g = plot->addGraph();
    g->setLineStyle(QCPGraph::lsNone);
    const size_t n = std::min(s.anchorDeltaS.size(), s.nearestDistractor.size());
    QVector<double> x, y;
    for (size_t i = 0; i < n; ++i) {
        x << s.anchorDeltaS[i];
        y << s.nearestDistractor[i];
    }
    g->setData(x, y, true); // keep case order: the tracer maps index -> case
    g->setProperty("hover", true);
    return g;
}
} // namespace

TriangulationPlot::TriangulationPlot(DriftSet* set, QWidget* parent) : DriftPlot(set, tr("Anchor triangulation"), parent)
{
    applyPlotStyle(plot(), tr("ΔS(r, anchor)"), tr("ΔS(r, nearest distractor)"));
    placeLegendBelow(plot(), 3);
    refresh();
}

void TriangulationPlot::rebuild()
{
    const FpData* fp = set()->fp();
    double lo = 0, hi = 1;
    if (fp) {
        std::vector<double> all = fp->fp.anchorDeltaS;
        all.insert(all.end(), fp->fp.nearestDistractor.begin(), fp->fp.nearestDistractor.end());
        for (const auto& p : set()->points()) {
            all.insert(all.end(), p->q.anchorDeltaS.begin(), p->q.anchorDeltaS.end());
            all.insert(all.end(), p->q.nearestDistractor.begin(), p->q.nearestDistractor.end());
        }
        if (!all.empty()) {
            lo = *std::min_element(all.begin(), all.end());
            hi = *std::max_element(all.begin(), all.end());
        }
    }
    const double pad = std::max(0.05, 0.12 * (hi - lo));
    lo = std::max(0.0, lo - pad);
    hi = hi + pad;

    // The band first (under everything): y <= x + gap, the cases whose boundary is flattened.
    const double gap = gapThreshold(*set());
    QCPGraph* band = plot()->addGraph();
    band->setData(QVector<double>{lo - 1, hi + 1}, QVector<double>{lo - 1 + gap, hi + 1 + gap});
    band->setPen(QPen(QColor(0xD5, 0x5E, 0x00, 160), 1, Qt::DashLine));
    band->setBrush(QColor(0xD5, 0x5E, 0x00, 38));
    QCPGraph* floor = plot()->addGraph();
    floor->setData(QVector<double>{lo - 1, hi + 1}, QVector<double>{lo - 10, lo - 10});
    floor->setPen(Qt::NoPen);
    floor->removeFromLegend();
    band->setChannelFillGraph(floor);
    band->setName(tr("gap ≤ %1").arg(gap, 0, 'f', 2));
    QCPGraph* diagonal = plot()->addGraph();
    diagonal->setData(QVector<double>{lo - 1, hi + 1}, QVector<double>{lo - 1, hi + 1});
    diagonal->setPen(QPen(QColor(0x99, 0x99, 0x99), 1, Qt::DotLine));
    diagonal->removeFromLegend();

    if (fp) {
        QCPGraph* f = addCases(plot(), fp->fp);
        f->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(fpColor(), 2.0), Qt::NoBrush, 13));
        f->setName(fpLegendName(QString::fromStdString(fp->dtype)));
        const auto& points = set()->points();
        for (size_t i = 0; i < points.size(); ++i) {
            const bool selected = int(i) == set()->selectedIndex();
            QCPGraph* g = addCases(plot(), points[i]->q);
            g->setScatterStyle(pointScatter(*points[i], selected));
            g->setName(QString::fromStdString(points[i]->label));
        }
    }
    // Label the band inside it, near the lower right where it is widest.
    auto* label = new QCPItemText(plot());
    label->position->setCoords(hi - 0.02 * (hi - lo), lo + 0.02 * (hi - lo));
    label->setPositionAlignment(Qt::AlignRight | Qt::AlignBottom);
    label->setText(tr("gap ≤ %1: boundary flattened\n(fails the anchor-gap gate)").arg(gap, 0, 'f', 2));
    label->setColor(QColor(0xA0, 0x40, 0x00));
    plot()->xAxis->setRange(lo, hi);
    plot()->yAxis->setRange(lo, hi);
}

QString TriangulationPlot::describe(QCPAbstractPlottable* plottable, int dataIndex) const
{
    const FpData* fp = set()->fp();
    auto* g = qobject_cast<QCPGraph*>(plottable);
    if (!fp || !g || dataIndex < 0 || dataIndex >= g->dataCount())
        return {};
    const auto it = g->data()->constBegin() + dataIndex;
    const QString caseName = dataIndex < int(fp->caseNames.size()) ? QString::fromStdString(fp->caseNames[dataIndex]) : QString();
    return QStringLiteral("%1\ncase %2: %3\nΔS(r, anchor) = %4\nnearest distractor = %5\ngap = %6")
        .arg(g->name())
        .arg(dataIndex + 1)
        .arg(caseName)
        .arg(it->key, 0, 'f', 3)
        .arg(it->value, 0, 'f', 3)
        .arg(it->value - it->key, 0, 'f', 3);
}

QString TriangulationPlot::csv() const
{
    QString out = QStringLiteral("model,case,delta_s_anchor,delta_s_nearest_distractor,gap\n");
    const FpData* fp = set()->fp();
    if (!fp)
        return out;
    auto rows = [&](const QString& name, const ModelSeriesData& s) {
        for (size_t i = 0; i < std::min(s.anchorDeltaS.size(), s.nearestDistractor.size()); ++i)
            out += QStringLiteral("%1,%2,%3,%4,%5\n")
                       .arg(name)
                       .arg(i + 1)
                       .arg(s.anchorDeltaS[i], 0, 'g', 8)
                       .arg(s.nearestDistractor[i], 0, 'g', 8)
                       .arg(s.nearestDistractor[i] - s.anchorDeltaS[i], 0, 'g', 8);
    };
    rows(QStringLiteral("F"), fp->fp);
    for (const auto& p : set()->points())
        rows(QString::fromStdString(p->label), p->q);
    return out;
}

} // namespace awb::ui
