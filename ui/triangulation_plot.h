#pragma once
// Anchor triangulation (docs/METRICS.md §4): per case, ΔS(r, anchor) on x against ΔS to the
// nearest distractor section on y, F and every point on shared axes, with the failing region
// (gap = distractor − anchor ≤ 0.05: the boundary is flattened) shaded and labelled.
#include "ui/drift_plot.h"

namespace awb::ui {

class TriangulationPlot : public DriftPlot {
    Q_OBJECT
public:
    explicit TriangulationPlot(DriftSet* set, QWidget* parent = nullptr);
    QString csv() const override;

protected:
    void rebuild() override;
    QString describe(QCPAbstractPlottable* plottable, int dataIndex) const override;
};

} // namespace awb::ui
