#include "ui/awq_search_view.h"

#include "ui/plot_style.h"

#include <QComboBox>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace awb::ui {

namespace {
// Re-wraps a below-the-axes legend to as many ~170 px columns as the plot's width holds, so entries
// are never cut at 1280 px and use one row when there is room.
class LegendWrapper : public QObject {
public:
    using QObject::QObject;
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        auto* plot = qobject_cast<QCustomPlot*>(watched);
        if (plot && event->type() == QEvent::Resize && plot->property("legendBelow").toBool()) {
            const int columns = std::max(1, plot->width() / 170);
            if (columns != plot->legend->wrap()) {
                plot->legend->setWrap(columns);
                plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);
            }
        }
        return false;
    }
};

QCustomPlot* newPlot(QWidget* parent, const QString& name, const QString& x, const QString& y)
{
    auto* p = new QCustomPlot(parent);
    p->setObjectName(name);
    p->setMinimumSize(300, 200);
    p->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    p->installEventFilter(new LegendWrapper(p));
    applyPlotStyle(p, x, y);
    // A double-click resets the zoom (docs/GUI.md).
    QObject::connect(p, &QCustomPlot::mouseDoubleClick, p, [p](QMouseEvent*) {
        p->rescaleAxes();
        p->replot();
    });
    return p;
}

// The loss plot's α axis; a screened search (awb --scale-screen) scored `scored` of `total` α (short
// enough for the plot's width at 1280 px).
QString alphaAxisLabel(int scored, int total)
{
    return scored < total ? QObject::tr("α (screened: %1 of %2 scored)").arg(scored).arg(total) : QObject::tr("α (scales = mean|x|^α)");
}

QCPItemText* label(QCustomPlot* plot, double x, double y, const QString& text, Qt::Alignment align, const QColor& colour = Qt::black)
{
    auto* t = new QCPItemText(plot);
    t->position->setCoords(x, y);
    t->setPositionAlignment(align);
    t->setText(text);
    t->setColor(colour);
    t->setPadding(QMargins(4, 2, 4, 2));
    t->setBrush(QColor(255, 255, 255, 210));
    return t;
}
} // namespace

AwqSearchView::AwqSearchView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("AwqSearch"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* bar = new QHBoxLayout;
    m_point = new QComboBox(this);
    m_point->setObjectName(QStringLiteral("awqPoint"));
    m_point->setMinimumContentsLength(24);
    m_point->setToolTip(tr("An AWQ point of the open sweep store"));
    m_block = new QSpinBox(this);
    m_block->setObjectName(QStringLiteral("awqBlock"));
    m_block->setRange(0, 0);
    m_block->setToolTip(tr("Transformer block (layer index)"));
    m_scaleGroup = new QComboBox(this);
    m_scaleGroup->setObjectName(QStringLiteral("awqScaleGroup"));
    m_scaleGroup->setToolTip(tr("Linears sharing one input, and the op their scale folds into"));
    m_clipLinear = new QComboBox(this);
    m_clipLinear->setObjectName(QStringLiteral("awqClipLinear"));
    m_clipLinear->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_scaleGroup->setMinimumContentsLength(20);
    m_scaleGroup->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    bar->addWidget(new QLabel(tr("Point"), this));
    bar->addWidget(m_point);
    bar->addSpacing(8);
    bar->addWidget(new QLabel(tr("Block"), this));
    bar->addWidget(m_block);
    bar->addSpacing(8);
    bar->addWidget(new QLabel(tr("Scale group"), this));
    bar->addWidget(m_scaleGroup, 1);
    bar->addSpacing(8);
    bar->addWidget(new QLabel(tr("Clip linear"), this));
    bar->addWidget(m_clipLinear);
    layout->addLayout(bar);
    m_info = new QLabel(tr("Run or open a sweep with AWQ points: its search history shows here."), this);
    m_info->setWordWrap(true);
    m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_info);

    auto* rows = new QSplitter(Qt::Vertical, this);
    rows->setObjectName(QStringLiteral("awqRows"));
    auto* top = new QSplitter(Qt::Horizontal, rows);
    top->setObjectName(QStringLiteral("awqTop"));
    auto* bottom = new QSplitter(Qt::Horizontal, rows);
    bottom->setObjectName(QStringLiteral("awqBottom"));
    m_lossPlot = newPlot(top, QStringLiteral("Loss vs alpha"), alphaAxisLabel(0, 0), tr("block output MSE"));
    m_actPlot = newPlot(top, QStringLiteral("Activation magnitude"), tr("input channel"), tr("mean |x| (activation)"));
    // Legends go below the axes, as in the drift plots: inside, they hid the RTN line and bars.
    placeLegendBelow(m_lossPlot, 3);
    placeLegendBelow(m_actPlot, 3);
    m_actPlot->yAxis2->setVisible(true);
    m_actPlot->yAxis2->setLabel(tr("scale s"));
    m_actPlot->yAxis2->setLabelFont(m_actPlot->yAxis->labelFont());
    m_actPlot->yAxis2->setTickLabelFont(m_actPlot->yAxis->tickLabelFont());
    m_clipMap = newPlot(bottom, QStringLiteral("Clip ratio heatmap"), tr("linear"), tr("layer (block index)"));
    m_clipMap->setInteractions(QCP::Interactions());
    m_clipScale = new QCPColorScale(m_clipMap);
    m_clipMap->plotLayout()->addElement(0, 1, m_clipScale);
    m_clipScale->setType(QCPAxis::atRight);
    m_clipScale->axis()->setLabel(tr("mean clip ratio"));
    m_clipScale->setGradient(viridisGradient());
    auto* margins = new QCPMarginGroup(m_clipMap);
    m_clipMap->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_clipScale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    m_clipGroups = newPlot(bottom, QStringLiteral("Clip ratio per group"), tr("weight group (input columns / group size)"),
                           tr("clip ratio (row mean)"));
    placeLegendBelow(m_clipGroups, 2);
    top->addWidget(m_lossPlot);
    top->addWidget(m_actPlot);
    bottom->addWidget(m_clipMap);
    bottom->addWidget(m_clipGroups);
    layout->addWidget(rows, 1);

    connect(m_point, &QComboBox::currentIndexChanged, this, [this](int i) {
        if (!m_updating && i >= 0)
            requestCurrent();
    });
    connect(m_block, &QSpinBox::valueChanged, this, [this] {
        if (m_updating)
            return;
        rebuildLoss();
        rebuildActivations();
        rebuildClipMap();
        rebuildClipGroups();
    });
    connect(m_scaleGroup, &QComboBox::currentIndexChanged, this, [this] {
        if (m_updating)
            return;
        rebuildLoss();
        rebuildActivations();
    });
    connect(m_clipLinear, &QComboBox::currentIndexChanged, this, [this] {
        if (m_updating)
            return;
        rebuildClipMap();
        rebuildClipGroups();
    });
    rebuildLoss();
    rebuildActivations();
    rebuildClipMap();
    rebuildClipGroups();
}

void AwqSearchView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    requestCurrent();
}

QStringList AwqSearchView::pointKeys() const
{
    QStringList keys;
    for (int i = 0; i < m_point->count(); ++i)
        keys << m_point->itemText(i);
    return keys;
}

int AwqSearchView::block() const { return m_block->value(); }
int AwqSearchView::scaleGroup() const { return m_scaleGroup->currentIndex(); }
int AwqSearchView::clipLinear() const { return m_clipLinear->currentIndex(); }
void AwqSearchView::setBlock(int block) { m_block->setValue(block); }
void AwqSearchView::setScaleGroup(int index) { m_scaleGroup->setCurrentIndex(index); }
void AwqSearchView::setClipLinear(int index) { m_clipLinear->setCurrentIndex(index); }

void AwqSearchView::setPoints(const QString& storePath, const QStringList& keys)
{
    const QString current = m_point->currentText();
    const bool sameStore = storePath == m_storePath;
    m_storePath = storePath;
    if (!sameStore)
        m_requestedKey.clear();
    m_updating = true;
    m_point->clear();
    m_point->addItems(keys);
    const int keep = sameStore ? keys.indexOf(current) : -1;
    m_point->setCurrentIndex(keep >= 0 ? keep : keys.isEmpty() ? -1 : 0);
    m_updating = false;
    if (keys.isEmpty()) {
        m_data.reset();
        m_info->setText(tr("%1 holds no AWQ point (RTN points do not search).").arg(QFileInfo(storePath).fileName()));
        rebuildSelectors();
    } else {
        requestCurrent();
    }
}

void AwqSearchView::requestCurrent()
{
    const QString key = m_point->currentText();
    // Read lazily: only while the view is shown (a sweep adding rows behind another tab queues no
    // reads); showEvent catches up.
    if (key.isEmpty() || key == m_requestedKey || !isVisible())
        return;
    m_requestedKey = key;
    Q_EMIT pointRequested(m_storePath, key);
}

void AwqSearchView::selectPoint(const QString& key)
{
    const int i = m_point->findText(key);
    if (i >= 0 && i != m_point->currentIndex())
        m_point->setCurrentIndex(i); // -> pointRequested
}

void AwqSearchView::showError(const QString& message)
{
    m_requestedKey.clear(); // choosing the point again retries
    m_info->setText(tr("Could not read the search: %1").arg(message));
}

void AwqSearchView::showSearch(std::shared_ptr<const AwqSearchData> data)
{
    m_data = std::move(data);
    m_updating = true;
    const int i = m_point->findText(QString::fromStdString(m_data->key));
    if (i >= 0)
        m_point->setCurrentIndex(i);
    m_updating = false;
    m_info->setText(tr("<b>%1</b> — w%2 g%3 %4, %5 blocks searched on %6 calibration blocks × %7 tokens (%8). "
                       "Wheel zooms, drag pans, a double-click resets.")
                        .arg(QString::fromStdString(m_data->key))
                        .arg(m_data->wBit)
                        .arg(m_data->groupSize)
                        .arg(m_data->zeroPoint ? tr("zero point") : tr("symmetric"))
                        .arg(m_data->blocks.size())
                        .arg(m_data->calibrationBlocks)
                        .arg(m_data->calibrationSeqLen)
                        .arg(QString::fromStdString(m_data->calibrationSummary).toHtmlEscaped()));
    rebuildSelectors();
}

void AwqSearchView::rebuildSelectors()
{
    m_updating = true;
    const int scale = std::max(0, m_scaleGroup->currentIndex());
    const int clip = std::max(0, m_clipLinear->currentIndex());
    m_scaleGroup->clear();
    m_clipLinear->clear();
    if (m_data && !m_data->blocks.empty()) {
        m_block->setRange(0, int(m_data->blocks.size()) - 1);
        for (const AwqScaleSearchData& s : m_data->blocks.front().scales)
            m_scaleGroup->addItem(QString::fromStdString(s.groupLabel()));
        for (const std::string& l : m_data->clipLinears())
            m_clipLinear->addItem(QString::fromStdString(l));
        m_scaleGroup->setCurrentIndex(std::min(scale, m_scaleGroup->count() - 1));
        m_clipLinear->setCurrentIndex(std::min(clip, m_clipLinear->count() - 1));
    } else {
        m_block->setRange(0, 0);
    }
    m_updating = false;
    rebuildLoss();
    rebuildActivations();
    rebuildClipMap();
    rebuildClipGroups();
}

const AwqScaleSearchData* AwqSearchView::currentScale() const
{
    if (!m_data || size_t(m_block->value()) >= m_data->blocks.size())
        return nullptr;
    const auto& scales = m_data->blocks[size_t(m_block->value())].scales;
    const int i = m_scaleGroup->currentIndex();
    return i >= 0 && size_t(i) < scales.size() ? &scales[size_t(i)] : nullptr;
}

const AwqClipData* AwqSearchView::currentClip() const
{
    if (!m_data || size_t(m_block->value()) >= m_data->blocks.size())
        return nullptr;
    const std::string name = m_clipLinear->currentText().toStdString();
    for (const AwqClipData& c : m_data->blocks[size_t(m_block->value())].clips)
        if (c.linear == name)
            return &c;
    return nullptr;
}

void AwqSearchView::rebuildLoss()
{
    QCustomPlot* p = m_lossPlot;
    p->clearPlottables();
    p->clearItems();
    const AwqScaleSearchData* s = currentScale();
    if (!s || s->alphas.empty()) {
        p->xAxis->setRange(0, 1);
        p->yAxis->setRange(0, 1);
        p->legend->setVisible(false);
        p->replot();
        return;
    }
    const QColor colour = wBitColor(m_data->wBit);
    // RTN (scales = 1) first, in the reference style, so the search's curve sits on top of it.
    auto* rtn = p->addGraph();
    rtn->setName(tr("RTN, s = 1 (reference)"));
    rtn->setPen(fpPen());
    rtn->setData({s->alphas.front(), s->alphas.back()}, {s->rtnLoss, s->rtnLoss});
    auto* curve = p->addGraph();
    curve->setName(tr("AWQ w%1 g%2").arg(m_data->wBit).arg(m_data->groupSize));
    // A screened search (awb --scale-screen) scored only some α on every window; the others are NaN,
    // gaps in the curve, and the axis says how many were scored.
    const auto scored = std::count_if(s->losses.begin(), s->losses.end(), [](double v) { return std::isfinite(v); });
    p->xAxis->setLabel(alphaAxisLabel(int(scored), int(s->losses.size())));
    curve->setPen(QPen(colour, 2));
    curve->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(colour, 1.5), QBrush(Qt::white), 6));
    curve->setData(QVector<double>(s->alphas.begin(), s->alphas.end()), QVector<double>(s->losses.begin(), s->losses.end()), true);
    // The chosen α: a filled marker on the curve and a labelled vertical line.
    const auto best = std::min_element(s->alphas.begin(), s->alphas.end(),
                                       [&](double a, double b) { return std::abs(a - s->bestAlpha) < std::abs(b - s->bestAlpha); });
    const double bestLoss = s->losses[size_t(best - s->alphas.begin())];
    auto* chosen = p->addGraph();
    chosen->setName(tr("chosen α = %1").arg(s->bestAlpha, 0, 'f', 2));
    chosen->setLineStyle(QCPGraph::lsNone);
    chosen->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, QPen(colour.darker(150), 2), QBrush(colour), 13));
    chosen->setData({s->bestAlpha}, {bestLoss});
    auto* line = new QCPItemStraightLine(p);
    line->point1->setCoords(s->bestAlpha, 0);
    line->point2->setCoords(s->bestAlpha, 1);
    line->setPen(QPen(colour.darker(150), 1, Qt::DotLine));
    const double lo = std::min(bestLoss, *std::min_element(s->losses.begin(), s->losses.end()));
    const double hi = std::max(s->rtnLoss, *std::max_element(s->losses.begin(), s->losses.end()));
    const double pad = std::max(1e-12, (hi - lo) * 0.12);
    p->xAxis->setRange(s->alphas.front() - 0.03, s->alphas.back() + 0.03);
    p->yAxis->setRange(std::max(0.0, lo - pad), hi + 2.5 * pad);
    const double saved = s->rtnLoss > 0 ? 100.0 * (1.0 - bestLoss / s->rtnLoss) : 0;
    label(p, s->bestAlpha, hi + 2.3 * pad, tr("α* = %1: %2 % below RTN").arg(s->bestAlpha, 0, 'f', 2).arg(saved, 0, 'f', 1),
          s->bestAlpha > 0.6 ? Qt::AlignRight | Qt::AlignTop : Qt::AlignLeft | Qt::AlignTop, colour.darker(150));
    p->legend->setVisible(true);
    p->yAxis->setNumberFormat(QStringLiteral("gb"));
    p->replot();
}

void AwqSearchView::rebuildActivations()
{
    QCustomPlot* p = m_actPlot;
    p->clearPlottables();
    p->clearItems();
    m_salient.clear();
    const AwqScaleSearchData* s = currentScale();
    if (!s || s->activationMean.empty()) {
        p->xAxis->setRange(0, 64);
        p->yAxis->setRange(0, 1);
        p->legend->setVisible(false);
        p->replot();
        return;
    }
    const int n = int(s->activationMean.size());
    // Salient: the top 1 % of channels by mean |x| (at least 3), what AWQ's scales protect.
    m_salient = topChannels(s->activationMean, std::max(3, n / 100));
    QVector<double> keys(n), values(n), salientKeys, salientValues;
    for (int i = 0; i < n; ++i) {
        keys[i] = i;
        values[i] = s->activationMean[size_t(i)];
    }
    for (int c : m_salient) {
        salientKeys << c;
        salientValues << s->activationMean[size_t(c)];
    }
    auto* bars = new QCPBars(p->xAxis, p->yAxis);
    bars->setName(tr("mean |x| per channel"));
    bars->setWidth(0.8);
    bars->setPen(Qt::NoPen);
    bars->setBrush(QColor(0x56, 0xB4, 0xE9, 200));
    bars->setData(keys, values, true);
    auto* salient = new QCPBars(p->xAxis, p->yAxis);
    salient->setName(tr("salient (top %1)").arg(m_salient.size()));
    salient->setWidth(0.8);
    salient->setPen(QPen(QColor(0xD5, 0x5E, 0x00)));
    salient->setBrush(QColor(0xD5, 0x5E, 0x00));
    salient->setData(salientKeys, salientValues);
    auto* scales = p->addGraph(p->xAxis, p->yAxis2);
    scales->setName(tr("scale s"));
    scales->setPen(QPen(QColor(0x20, 0x20, 0x20), 1.2));
    scales->setData(keys, QVector<double>(s->scales.begin(), s->scales.end()), true);
    p->xAxis->setRange(-1, n);
    const double maxAct = *std::max_element(values.begin(), values.end());
    p->yAxis->setRange(0, maxAct * 1.15);
    p->yAxis2->rescale();
    p->yAxis2->setRange(0, p->yAxis2->range().upper * 1.15);
    for (size_t k = 0; k < std::min<size_t>(m_salient.size(), 3); ++k)
        label(p, m_salient[k], s->activationMean[size_t(m_salient[k])], QStringLiteral("#%1").arg(m_salient[k]), Qt::AlignHCenter | Qt::AlignBottom,
              QColor(0xD5, 0x5E, 0x00).darker(130))
            ->setBrush(Qt::NoBrush);
    p->legend->setVisible(true);
    p->replot();
}

void AwqSearchView::rebuildClipMap()
{
    QCustomPlot* p = m_clipMap;
    p->clearPlottables();
    p->clearItems();
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    const std::vector<std::string> linears = m_data ? m_data->clipLinears() : std::vector<std::string>{};
    if (!m_data || linears.empty()) {
        p->xAxis->setTicker(ticker);
        p->xAxis->setRange(-0.5, 3.5);
        p->yAxis->setRange(-0.5, 4.5);
        p->replot();
        return;
    }
    const int cols = int(linears.size()), rows = int(m_data->blocks.size());
    auto* map = new QCPColorMap(p->xAxis, p->yAxis);
    map->data()->setSize(cols, rows);
    map->data()->setRange(QCPRange(0, cols - 1), QCPRange(0, rows - 1));
    double lo = 1;
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            const double v = m_data->meanClipRatio(size_t(r), linears[size_t(c)]);
            map->data()->setCell(c, r, v);
            if (std::isfinite(v))
                lo = std::min(lo, v);
        }
    map->setColorScale(m_clipScale);
    map->setInterpolate(false);
    map->setDataRange(QCPRange(std::min(lo, 0.999), 1.0));
    for (int c = 0; c < cols; ++c)
        ticker->addTick(c, QString::fromStdString(linears[size_t(c)]));
    p->xAxis->setTicker(ticker);
    p->xAxis->setTickLabelRotation(cols > 4 ? 30 : 0);
    auto yTicker = QSharedPointer<QCPAxisTickerFixed>::create();
    yTicker->setTickStep(1);
    yTicker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    p->yAxis->setTicker(yTicker);
    p->xAxis->setRange(-0.5, cols - 0.5);
    p->yAxis->setRange(-0.5, rows - 0.5);
    // Values in the cells when they fit, and the chosen block × linear outlined.
    if (rows * cols <= 80)
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) {
                const double v = m_data->meanClipRatio(size_t(r), linears[size_t(c)]);
                auto* t = new QCPItemText(p);
                t->position->setCoords(c, r);
                t->setText(QString::number(v, 'f', 3));
                QFont f = p->font();
                f.setPointSizeF(8);
                t->setFont(f);
                t->setColor(v > lo + 0.6 * (1.0 - lo) ? Qt::black : Qt::white);
            }
    const int sel = m_clipLinear->currentIndex();
    if (sel >= 0) {
        auto* box = new QCPItemRect(p);
        box->topLeft->setCoords(sel - 0.5, m_block->value() + 0.5);
        box->bottomRight->setCoords(sel + 0.5, m_block->value() - 0.5);
        box->setPen(QPen(QColor(0xD5, 0x5E, 0x00), 2.5));
    }
    p->replot();
}

void AwqSearchView::rebuildClipGroups()
{
    QCustomPlot* p = m_clipGroups;
    p->clearPlottables();
    p->clearItems();
    const AwqClipData* c = currentClip();
    if (!c || c->ratioPerGroup.empty()) {
        p->xAxis->setRange(-0.5, 3.5);
        p->yAxis->setRange(0, 1.05);
        p->legend->setVisible(false);
        p->replot();
        return;
    }
    const int n = int(c->ratioPerGroup.size());
    QVector<double> keys(n);
    for (int i = 0; i < n; ++i)
        keys[i] = i;
    // No clipping (ratio 1) is the reference: what RTN keeps.
    auto* none = p->addGraph();
    none->setName(tr("no clipping (reference)"));
    none->setPen(fpPen());
    none->setData({-0.5, n - 0.5}, {1.0, 1.0});
    auto* bars = new QCPBars(p->xAxis, p->yAxis);
    const QColor colour = wBitColor(m_data->wBit);
    bars->setName(tr("%1, block %2").arg(QString::fromStdString(c->linear)).arg(m_block->value()));
    p->xAxis->setLabel(tr("weight group of %1 (mean ratio %2, min %3)").arg(QString::fromStdString(c->linear))
                           .arg(c->meanRatio, 0, 'f', 3).arg(c->minRatio, 0, 'f', 3));
    bars->setWidth(0.7);
    bars->setPen(QPen(colour.darker(130)));
    QColor fill = colour;
    fill.setAlpha(170);
    bars->setBrush(fill);
    bars->setData(keys, QVector<double>(c->ratioPerGroup.begin(), c->ratioPerGroup.end()), true);
    const double lo = *std::min_element(c->ratioPerGroup.begin(), c->ratioPerGroup.end());
    p->xAxis->setRange(-0.6, n - 0.4);
    p->yAxis->setRange(std::max(0.0, std::min(lo, c->minRatio) - 0.05), 1.06 + 0.08);
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    p->xAxis->setTicker(ticker);
    p->legend->setVisible(true);
    p->replot();
}

} // namespace awb::ui
