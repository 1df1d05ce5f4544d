#include "ui/drift_plot.h"

#include "ui/drift_set.h"

#include <QApplication>
#include <QClipboard>
#include <QFileDialog>
#include <QMenu>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace awb::ui {

DriftPlot::DriftPlot(DriftSet* set, const QString& title, QWidget* parent) : QWidget(parent), m_set(set), m_title(title)
{
    setObjectName(title);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->setContextMenuPolicy(Qt::CustomContextMenu);
    m_plot->setMinimumSize(320, 220);
    layout->addWidget(m_plot);
    connect(m_plot, &QCustomPlot::customContextMenuRequested, this, &DriftPlot::showContextMenu);
    connect(m_plot, &QCustomPlot::mouseMove, this, &DriftPlot::onMouseMove);
    connect(m_plot, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) {
        m_plot->xAxis->setRange(m_homeX);
        m_plot->yAxis->setRange(m_homeY);
        m_plot->replot();
    });
    connect(set, &DriftSet::pointsChanged, this, &DriftPlot::refresh);
    connect(set, &DriftSet::selectionChanged, this, &DriftPlot::refresh);
}

void DriftPlot::refresh()
{
    m_tracer = nullptr; // clearItems() below deletes them
    m_tracerLabel = nullptr;
    m_plot->clearPlottables();
    m_plot->clearItems();
    rebuild();
    adaptToSize();
    m_homeX = m_plot->xAxis->range();
    m_homeY = m_plot->yAxis->range();
    m_tracer = new QCPItemTracer(m_plot);
    m_tracer->setStyle(QCPItemTracer::tsCircle);
    m_tracer->setSize(10);
    m_tracer->setPen(QPen(Qt::black, 1.5));
    m_tracer->setVisible(false);
    m_tracerLabel = new QCPItemText(m_plot);
    m_tracerLabel->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    m_tracerLabel->setPadding(QMargins(4, 2, 4, 2));
    m_tracerLabel->setBrush(QColor(255, 255, 225, 235));
    m_tracerLabel->setPen(QPen(QColor(0x88, 0x88, 0x88)));
    m_tracerLabel->setVisible(false);
    m_plot->replot();
}

void DriftPlot::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    adaptToSize();
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void DriftPlot::adaptToSize()
{
    // A legend below the axes (placeLegendBelow) gets as many columns as fit: ~150 px per entry.
    if (m_plot->property("legendBelow").toBool()) {
        const int columns = std::max(1, width() / 150);
        if (columns != m_plot->legend->wrap()) {
            m_plot->legend->setWrap(columns);
            m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true); // re-flow the entries already there
        }
    }
}

int DriftPlot::seriesCount() const { return m_plot->plottableCount(); }

QString DriftPlot::describe(QCPAbstractPlottable*, int) const { return {}; }

void DriftPlot::onMouseMove(QMouseEvent* event)
{
    if (!m_tracer)
        return;
    // The nearest data point of any graph within 20 px of the cursor.
    double best = 20.0 * 20.0;
    QCPGraph* bestGraph = nullptr;
    int bestIndex = -1;
    for (int i = 0; i < m_plot->graphCount(); ++i) {
        QCPGraph* g = m_plot->graph(i);
        if (!g->visible() || !g->property("hover").toBool())
            continue;
        int index = 0;
        for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it, ++index) {
            const QPointF px = g->coordsToPixels(it->key, it->value);
            const double d = QPointF::dotProduct(px - event->position(), px - event->position());
            if (d < best) {
                best = d;
                bestGraph = g;
                bestIndex = index;
            }
        }
    }
    QString text;
    if (bestGraph) {
        const auto it = bestGraph->data()->constBegin() + bestIndex;
        m_tracer->setGraph(nullptr);
        m_tracer->position->setCoords(it->key, it->value);
        text = describe(bestGraph, bestIndex);
        if (text.isEmpty())
            text = QStringLiteral("%1\n%2 = %3\n%4 = %5")
                       .arg(bestGraph->name(), m_plot->xAxis->label(), QString::number(it->key, 'g', 4), m_plot->yAxis->label(),
                            QString::number(it->value, 'g', 4));
    } else {
        for (int i = 0; i < m_plot->plottableCount() && text.isEmpty(); ++i) {
            auto* map = qobject_cast<QCPColorMap*>(m_plot->plottable(i));
            if (!map)
                continue;
            const double x = m_plot->xAxis->pixelToCoord(event->position().x());
            const double y = m_plot->yAxis->pixelToCoord(event->position().y());
            int kx = 0, ky = 0;
            map->data()->coordToCell(x, y, &kx, &ky);
            if (kx >= 0 && ky >= 0 && kx < map->data()->keySize() && ky < map->data()->valueSize()) {
                m_tracer->position->setCoords(map->data()->keyRange().lower + kx, map->data()->valueRange().lower + ky);
                text = describe(map, ky * map->data()->keySize() + kx);
            }
        }
    }
    m_tracer->setVisible(!text.isEmpty());
    m_tracerLabel->setVisible(!text.isEmpty());
    if (!text.isEmpty()) {
        m_tracerLabel->setText(text);
        // Keep the label inside the axis rect: flip it to the left/below near the right/top edge.
        const QPointF px = m_tracer->position->pixelPosition();
        const QRect r = m_plot->axisRect()->rect();
        Qt::Alignment a = (px.x() > r.center().x() ? Qt::AlignRight : Qt::AlignLeft) |
                          (px.y() < r.center().y() ? Qt::AlignTop : Qt::AlignBottom);
        m_tracerLabel->setPositionAlignment(a);
        m_tracerLabel->position->setCoords(m_tracer->position->coords());
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

bool DriftPlot::savePng(const QString& path, int width, int height) const
{
    return m_plot->savePng(path, width, height, 1.0, -1, 96);
}

bool DriftPlot::savePdf(const QString& path, int width, int height) const
{
    return m_plot->savePdf(path, width, height, QCP::epNoCosmetic, QStringLiteral("AWQ Workbench"), m_title);
}

void DriftPlot::showContextMenu(const QPoint& pos)
{
    QMenu menu(this);
    menu.addAction(tr("Save as PNG…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save plot as PNG"), m_title + QStringLiteral(".png"), tr("PNG images (*.png)"));
        if (!path.isEmpty())
            savePng(path, 0, 0);
    });
    menu.addAction(tr("Save as PDF…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save plot as PDF"), m_title + QStringLiteral(".pdf"), tr("PDF files (*.pdf)"));
        if (!path.isEmpty())
            savePdf(path, 0, 0);
    });
    menu.addAction(tr("Copy data as CSV"), this, [this] { QApplication::clipboard()->setText(csv()); });
    menu.addSeparator();
    menu.addAction(tr("Reset view"), this, [this] {
        m_plot->xAxis->setRange(m_homeX);
        m_plot->yAxis->setRange(m_homeY);
        m_plot->replot();
    });
    menu.exec(m_plot->mapToGlobal(pos));
}

} // namespace awb::ui
