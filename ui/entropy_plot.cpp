#include "ui/entropy_plot.h"

#include "ui/drift_set.h"
#include "ui/plot_style.h"

#include <cmath>

namespace awb::ui {

namespace {
// Block b covers positions [b*B, (b+1)*B); it is drawn at its centre.
double blockCentre(size_t b, int64_t blockSize) { return (double(b) + 0.5) * double(blockSize); }

QCPGraph* addCurve(QCustomPlot* plot, const std::vector<double>& blocks, int64_t blockSize)
{
    QCPGraph* g = plot->addGraph();
    for (size_t b = 0; b < blocks.size(); ++b)
        if (std::isfinite(blocks[b]))
            g->addData(blockCentre(b, blockSize), blocks[b]);
    g->setProperty("hover", true);
    return g;
}

void addOnsetMarker(QCustomPlot* plot, int64_t onsetBlock, int64_t blockSize, const QPen& pen, const QString& text, int row)
{
    auto* line = new QCPItemStraightLine(plot);
    const double x = double(onsetBlock) * double(blockSize);
    line->point1->setCoords(x, 0);
    line->point2->setCoords(x, 1);
    QPen p = pen;
    p.setStyle(Qt::DotLine);
    line->setPen(p);
    auto* label = new QCPItemText(plot);
    label->position->setTypeX(QCPItemPosition::ptPlotCoords);
    label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(x, 0.04 + 0.07 * row); // stagger so nearby onsets do not overlap
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
    label->setText(QStringLiteral(" ") + text);
    label->setColor(pen.color());
    label->setClipToAxisRect(true);
}
} // namespace

EntropyPlot::EntropyPlot(DriftSet* set, QWidget* parent) : DriftPlot(set, tr("Entropy vs length"), parent)
{
    applyPlotStyle(plot(), tr("position (tokens)"), tr("entropy (nats)"));
    placeLegendBelow(plot(), 3);
    refresh();
}

void EntropyPlot::rebuild()
{
    const FpData* fp = set()->fp();
    if (!fp) {
        plot()->xAxis->setRange(0, 256);
        plot()->yAxis->setRange(0, 3);
        return;
    }
    const int64_t B = fp->entropyBlockSize;
    int markerRow = 0;
    // F first, so the quantized curves sit on top of it.
    QCPGraph* f = addCurve(plot(), fp->fp.entropyBlocks, B);
    f->setPen(fpPen());
    f->setName(fpLegendName(QString::fromStdString(fp->dtype)));
    if (fp->fp.onsetBlock >= 0)
        addOnsetMarker(plot(), fp->fp.onsetBlock, B, QPen(fpColor(), 1.5), tr("t* F"), markerRow++);
    const auto& points = set()->points();
    for (size_t i = 0; i < points.size(); ++i) {
        const DriftPointData& p = *points[i];
        const bool selected = int(i) == set()->selectedIndex();
        QCPGraph* g = addCurve(plot(), p.q.entropyBlocks, B);
        g->setPen(pointPen(p, selected));
        QCPScatterStyle s = pointScatter(p, selected);
        s.setSize(selected ? 8 : 6);
        g->setScatterStyle(s);
        g->setName(QString::fromStdString(p.label));
        if (p.q.onsetBlock >= 0)
            addOnsetMarker(plot(), p.q.onsetBlock, B, pointPen(p, false), tr("t* %1").arg(QString::fromStdString(p.label)), markerRow++);
    }
    plot()->rescaleAxes();
    const QCPRange y = plot()->yAxis->range();
    plot()->yAxis->setRange(std::max(0.0, y.lower - 0.1 * y.size()), y.upper + 0.15 * y.size()); // room for the onset labels
    plot()->xAxis->setRange(0, plot()->xAxis->range().upper + 0.5 * B);
}

QString EntropyPlot::csv() const
{
    const FpData* fp = set()->fp();
    QString out = QStringLiteral("model,block,position_tokens,entropy_nats\n");
    if (!fp)
        return out;
    auto rows = [&](const QString& name, const std::vector<double>& blocks) {
        for (size_t b = 0; b < blocks.size(); ++b)
            out += QStringLiteral("%1,%2,%3,%4\n").arg(name).arg(b).arg(blockCentre(b, fp->entropyBlockSize)).arg(blocks[b], 0, 'g', 8);
    };
    rows(QStringLiteral("F"), fp->fp.entropyBlocks);
    for (const auto& p : set()->points())
        rows(QString::fromStdString(p->label), p->q.entropyBlocks);
    return out;
}

} // namespace awb::ui
