#pragma once
// Per-layer quantization error of the selected point (docs/METRICS.md, layer error): a layer ×
// linear heatmap of ||lin_Q(x) − lin_F(x)|| / ||lin_F(x)||. F against itself is 0 everywhere, so F
// is the colour scale's zero rather than a second map.
#include "ui/drift_plot.h"

namespace awb::ui {

class LayerHeatmapPlot : public DriftPlot {
    Q_OBJECT
public:
    explicit LayerHeatmapPlot(DriftSet* set, QWidget* parent = nullptr);
    QString csv() const override;

protected:
    void rebuild() override;
    QString describe(QCPAbstractPlottable* plottable, int dataIndex) const override;
    void adaptToSize() override;

private:
    QCPColorScale* m_scale;
    std::vector<QCPItemText*> m_cellLabels; // shown only when a cell is wide enough for "0.000"
    int m_columns = 0;
};

} // namespace awb::ui
