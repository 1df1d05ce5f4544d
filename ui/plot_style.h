#pragma once
// The plot conventions of docs/GUI.md in one place, so the same point looks the same in every view
// and in the PDF: FP reference dark grey 2 px dashed and drawn first; quantized points coloured by
// w_bit (Okabe–Ito, colour-blind safe), marker by group size, the selected point thicker.
#include "ui/qcp.h"

#include <QColor>
#include <QPen>
#include <QString>

namespace awb::ui {

struct DriftPointData;

QColor wBitColor(int wBit);
QCPScatterStyle::ScatterShape groupShape(long long groupSize);
QColor fpColor();
QPen fpPen();                                  // dashed: curves
QPen pointPen(const DriftPointData& p, bool selected);
QCPScatterStyle pointScatter(const DriftPointData& p, bool selected);
// "FP16 (reference)" for an F16 model; the FP model's own dtype otherwise ("FP32 (reference)"),
// so the legend never claims a precision the reference was not computed in.
QString fpLegendName(const QString& dtype);
// Fonts, grid and margins shared by every plot (legible at 1280×800 and in the PDF).
void applyPlotStyle(QCustomPlot* plot, const QString& xTitle, const QString& yTitle);
// Moves the legend out of the axis rect into a row below it, `columns` entries per row, so it never
// hides data or markers however the user zooms.
void placeLegendBelow(QCustomPlot* plot, int columns);
// λ label colours (Okabe–Ito, distinct from the w_bit ones where possible); the symbol carries the meaning too.
QColor lambdaColor(int label);
// Viridis, sampled: perceptually uniform and readable in grey scale and by colour-blind readers
// (every heatmap).
QCPColorGradient viridisGradient();

} // namespace awb::ui
