#include "ui/plot_style.h"

#include "ui/drift_point.h"

namespace awb::ui {

namespace okabe_ito {
const QColor orange(0xE6, 0x9F, 0x00), skyBlue(0x56, 0xB4, 0xE9), bluishGreen(0x00, 0x9E, 0x73), yellow(0xF0, 0xE4, 0x42),
    blue(0x00, 0x72, 0xB2), vermillion(0xD5, 0x5E, 0x00), reddishPurple(0xCC, 0x79, 0xA7), black(0, 0, 0);
}

QColor wBitColor(int wBit)
{
    using namespace okabe_ito;
    switch (wBit) {
    case 2: return reddishPurple;
    case 3: return vermillion;
    case 4: return blue;
    case 5: return bluishGreen;
    case 6: return orange;
    case 7: return skyBlue;
    default: return QColor(0x99, 0x88, 0x00); // 8 bits: a darkened Okabe–Ito yellow (pure yellow is unreadable on white)
    }
}

QCPScatterStyle::ScatterShape groupShape(long long groupSize)
{
    switch (groupSize) {
    case 32: return QCPScatterStyle::ssCircle;
    case 64: return QCPScatterStyle::ssSquare;
    case 128: return QCPScatterStyle::ssTriangle;
    case 256: return QCPScatterStyle::ssTriangleInverted;
    case -1: return QCPScatterStyle::ssDiamond;
    default: return QCPScatterStyle::ssCrossSquare;
    }
}

QColor fpColor() { return QColor(0x40, 0x40, 0x40); }

QPen fpPen()
{
    QPen pen(fpColor(), 2.0, Qt::DashLine);
    pen.setCapStyle(Qt::FlatCap);
    return pen;
}

QPen pointPen(const DriftPointData& p, bool selected) { return QPen(wBitColor(p.wBit), selected ? 3.0 : 1.5); }

QCPScatterStyle pointScatter(const DriftPointData& p, bool selected)
{
    QColor fill = wBitColor(p.wBit);
    fill.setAlpha(selected ? 200 : 110);
    return QCPScatterStyle(groupShape(p.groupSize), QPen(wBitColor(p.wBit), selected ? 2.5 : 1.5), QBrush(fill), selected ? 11 : 8);
}

QString fpLegendName(const QString& dtype)
{
    const QString d = dtype.toUpper();
    if (d.isEmpty() || d == QLatin1String("F16") || d == QLatin1String("FP16"))
        return QStringLiteral("FP16 (reference)");
    if (d == QLatin1String("F32"))
        return QStringLiteral("FP32 (reference)");
    if (d == QLatin1String("BF16"))
        return QStringLiteral("BF16 (reference)");
    return QStringLiteral("%1 (reference)").arg(dtype);
}

void applyPlotStyle(QCustomPlot* plot, const QString& xTitle, const QString& yTitle)
{
    QFont labelFont = plot->font();
    labelFont.setPointSizeF(10);
    QFont tickFont = plot->font();
    tickFont.setPointSizeF(9);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setLabelFont(labelFont);
        axis->setTickLabelFont(tickFont);
        axis->grid()->setPen(QPen(QColor(0xdd, 0xdd, 0xdd), 1, Qt::DotLine));
        axis->grid()->setSubGridVisible(false);
    }
    plot->xAxis->setLabel(xTitle);
    plot->yAxis->setLabel(yTitle);
    plot->legend->setFont(tickFont);
    plot->legend->setBrush(QColor(255, 255, 255, 220));
    plot->legend->setBorderPen(QPen(QColor(0xaa, 0xaa, 0xaa)));
    plot->setAntialiasedElements(QCP::aeAll);
}

void placeLegendBelow(QCustomPlot* plot, int columns)
{
    auto* row = new QCPLayoutGrid;
    plot->plotLayout()->addElement(1, 0, row);
    row->setMargins(QMargins(6, 0, 6, 4));
    row->addElement(0, 0, plot->legend); // takes it out of the axis rect's inset layout
    plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot->legend->setWrap(columns);
    plot->legend->setVisible(true);
    plot->legend->setBorderPen(Qt::NoPen);
    plot->legend->setBrush(Qt::NoBrush);
    plot->legend->setRowSpacing(0);
    plot->legend->setColumnSpacing(12);
    plot->plotLayout()->setRowStretchFactor(1, 0.001); // as tall as its entries, no more
    plot->setProperty("legendBelow", true);            // DriftPlot re-wraps it to the widget's width
}

QColor lambdaColor(int label)
{
    using namespace okabe_ito;
    switch (label) {
    case 0: return bluishGreen;
    case 1: return vermillion;
    case 2: return orange;
    default: return reddishPurple;
    }
}

QCPColorGradient viridisGradient()
{
    QCPColorGradient g;
    g.clearColorStops();
    g.setColorStopAt(0.00, QColor(0x44, 0x01, 0x54));
    g.setColorStopAt(0.25, QColor(0x3b, 0x52, 0x8b));
    g.setColorStopAt(0.50, QColor(0x21, 0x91, 0x8c));
    g.setColorStopAt(0.75, QColor(0x5e, 0xc9, 0x62));
    g.setColorStopAt(1.00, QColor(0xfd, 0xe7, 0x25));
    return g;
}

} // namespace awb::ui
