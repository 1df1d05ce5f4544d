#pragma once
// DriftPlot: the frame every drift plot shares. It observes a DriftSet (rebuilding its drawing on
// change, owning no data), and gives the interactions of docs/GUI.md: a hover tracer with the
// values under the cursor, wheel zoom, drag pan, double-click reset, and a context menu with
// "Save as PNG…", "Save as PDF…" and "Copy data as CSV". GUI thread only.
#include "ui/qcp.h"

#include <QWidget>

namespace awb::ui {

class DriftSet;

class DriftPlot : public QWidget {
    Q_OBJECT
public:
    DriftPlot(DriftSet* set, const QString& title, QWidget* parent = nullptr);

    QCustomPlot* plot() const { return m_plot; }
    QString title() const { return m_title; }
    // The data drawn, as CSV with a header row (what "Copy data as CSV" copies).
    virtual QString csv() const = 0;
    // Redraws from the DriftSet now (also called on every change).
    void refresh();
    // Writes the plot as PNG/PDF at the given size (pixels; PDF in points). false on I/O failure.
    bool savePng(const QString& path, int width, int height) const;
    bool savePdf(const QString& path, int width, int height) const;
    // Number of plottables drawn (for tests: the FP reference plus one per point, etc.).
    int seriesCount() const;

protected:
    // Rebuilds every plottable and item from the set; the base then stores the ranges as "home".
    virtual void rebuild() = 0;
    // The text the tracer shows for a hit on this plottable at data index i; empty = use x/y.
    virtual QString describe(QCPAbstractPlottable* plottable, int dataIndex) const;
    DriftSet* set() const { return m_set; }
    // Called after the widget's size changed (and after each rebuild): detail that only fits at
    // some sizes (cell labels, legend columns) adapts here.
    virtual void adaptToSize();
    void resizeEvent(QResizeEvent* event) override;

private:
    void onMouseMove(QMouseEvent* event);
    void showContextMenu(const QPoint& pos);

    DriftSet* m_set;
    QString m_title;
    QCustomPlot* m_plot;
    QCPItemTracer* m_tracer = nullptr;
    QCPItemText* m_tracerLabel = nullptr;
    QCPRange m_homeX, m_homeY;
};

} // namespace awb::ui
