#include "ui/lambda_plot.h"

#include "ui/drift_set.h"
#include "ui/plot_style.h"

#include <algorithm>

namespace awb::ui {

namespace {
// Models in drawing order: F, then the points. Columns of model m start at m * (runs + 1): one
// empty column separates the models.
struct LambdaModel {
    QString name;
    const ModelSeriesData* series;
    QColor frame;
};

std::vector<LambdaModel> modelsOf(const DriftSet& set)
{
    std::vector<LambdaModel> models;
    if (const FpData* fp = set.fp())
        models.push_back({fpLegendName(QString::fromStdString(fp->dtype)), &fp->fp, fpColor()});
    for (const auto& p : set.points())
        models.push_back({QString::fromStdString(p->label), &p->q, wBitColor(p->wBit)});
    return models;
}

int runsOf(const DriftSet& set)
{
    const FpData* fp = set.fp();
    return fp ? std::max<int>(1, int(fp->runNames.size())) : 1;
}
} // namespace

LambdaPlot::LambdaPlot(DriftSet* set, QWidget* parent) : DriftPlot(set, tr("λ labels"), parent)
{
    applyPlotStyle(plot(), tr("model · run (paraphrase p, seed s)"), tr("case"));
    plot()->yAxis->setRangeReversed(true); // case 1 at the top, as in the tables
    placeLegendBelow(plot(), 4);
    refresh();
}

void LambdaPlot::rebuild()
{
    const FpData* fp = set()->fp();
    const auto models = modelsOf(*set());
    const int runs = runsOf(*set());
    const int cases = fp ? int(fp->caseNames.size()) : 0;
    auto xTicker = QSharedPointer<QCPAxisTickerText>::create();
    auto yTicker = QSharedPointer<QCPAxisTickerText>::create();
    // One hidden-line graph per label kind carries the cells' positions for the hover tracer and
    // the legend (symbol + colour + name).
    QCPGraph* kinds[4];
    for (int k = 0; k < 4; ++k) {
        kinds[k] = plot()->addGraph();
        kinds[k]->setLineStyle(QCPGraph::lsNone);
        kinds[k]->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssNone));
        kinds[k]->setName(QStringLiteral("%1 %2").arg(QString::fromUtf8(lambdaSymbol(k)), QString::fromUtf8(lambdaName(k))));
        kinds[k]->setProperty("hover", true);
        kinds[k]->setPen(QPen(lambdaColor(k), 3));
    }
    QFont symbolFont = plot()->font();
    symbolFont.setPointSizeF(11);
    symbolFont.setBold(true);
    for (size_t m = 0; m < models.size(); ++m) {
        const double x0 = double(m) * (runs + 1);
        // Two lines instead of rotated text: rotated labels of the last model ran off the widget.
        QString name = models[m].name;
        const int split = name.indexOf(QLatin1Char(' '), name.indexOf(QLatin1Char(' ')) + 1);
        if (name.contains(QLatin1Char('(')))
            name.replace(QStringLiteral(" ("), QStringLiteral("\n("));
        else if (split > 0)
            name[split] = QLatin1Char('\n');
        xTicker->addTick(x0 + (runs - 1) / 2.0, name);
        for (int c = 0; c < cases && c < int(models[m].series->lambdaRuns.size()); ++c) {
            const auto& row = models[m].series->lambdaRuns[c];
            for (int r = 0; r < int(row.size()) && r < runs; ++r) {
                const int label = std::clamp(row[r], 0, 3);
                kinds[label]->addData(x0 + r, c);
                auto* t = new QCPItemText(plot());
                t->position->setCoords(x0 + r, c);
                t->setText(QString::fromUtf8(lambdaSymbol(label)));
                t->setFont(symbolFont);
                t->setColor(lambdaColor(label));
            }
        }
        if (m > 0) { // a separator between models
            auto* sep = new QCPItemStraightLine(plot());
            sep->point1->setCoords(x0 - 1, 0);
            sep->point2->setCoords(x0 - 1, 1);
            sep->setPen(QPen(QColor(0xbb, 0xbb, 0xbb), 1));
        }
    }
    // Case text where rows are tall enough for it; numbers only otherwise (the tracer names the case).
    for (int c = 0; c < cases; ++c)
        yTicker->addTick(c, m_longCaseLabels ? QStringLiteral("%1 %2").arg(c + 1).arg(QString::fromStdString(fp->caseNames[c])) : QString::number(c + 1));
    plot()->xAxis->setTicker(xTicker);
    plot()->yAxis->setTicker(yTicker);
    plot()->xAxis->grid()->setVisible(false);
    const double width = std::max<double>(1, models.size()) * (runs + 1) - 1;
    plot()->xAxis->setRange(-0.7, width - 0.3);
    plot()->yAxis->setRange(-0.7, std::max(cases, 1) - 0.3);
}

void LambdaPlot::adaptToSize()
{
    DriftPlot::adaptToSize();
    const FpData* fp = set()->fp();
    const int cases = fp ? std::max<int>(1, int(fp->caseNames.size())) : 1;
    // ~90 px go to the x axis labels and the legend row; a readable row needs ~15 px.
    const bool longLabels = (height() - 90) / cases >= 15;
    if (longLabels != m_longCaseLabels) {
        m_longCaseLabels = longLabels;
        QMetaObject::invokeMethod(this, &DriftPlot::refresh, Qt::QueuedConnection); // not from inside a resize
    }
}

QString LambdaPlot::describe(QCPAbstractPlottable* plottable, int dataIndex) const
{
    auto* g = qobject_cast<QCPGraph*>(plottable);
    const FpData* fp = set()->fp();
    if (!g || !fp || dataIndex < 0 || dataIndex >= g->dataCount())
        return {};
    const auto it = g->data()->constBegin() + dataIndex;
    const auto models = modelsOf(*set());
    const int runs = runsOf(*set());
    const int m = int(it->key) / (runs + 1), r = int(it->key) % (runs + 1), c = int(it->value);
    if (m >= int(models.size()) || c >= int(fp->caseNames.size()))
        return {};
    const QString run = r < int(fp->runNames.size()) ? QString::fromStdString(fp->runNames[r]) : QString::number(r + 1);
    return QStringLiteral("%1, run %2\ncase %3: %4\nλ: %5").arg(models[m].name, run).arg(c + 1).arg(QString::fromStdString(fp->caseNames[c]), g->name());
}

QString LambdaPlot::csv() const
{
    QString out = QStringLiteral("model,case,run,label\n");
    const FpData* fp = set()->fp();
    if (!fp)
        return out;
    for (const auto& model : modelsOf(*set()))
        for (size_t c = 0; c < model.series->lambdaRuns.size(); ++c)
            for (size_t r = 0; r < model.series->lambdaRuns[c].size(); ++r)
                out += QStringLiteral("%1,%2,%3,%4\n")
                           .arg(model.name)
                           .arg(c + 1)
                           .arg(r < fp->runNames.size() ? QString::fromStdString(fp->runNames[r]) : QString::number(r + 1))
                           .arg(QString::fromUtf8(lambdaName(model.series->lambdaRuns[c][r])));
    return out;
}

} // namespace awb::ui
