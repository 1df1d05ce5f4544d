#pragma once
// Entropy vs length (docs/METRICS.md §2): mean per-position entropy in blocks, F and every point on
// shared axes, with each model's onset t* as a vertical marker.
#include "ui/drift_plot.h"

namespace awb::ui {

class EntropyPlot : public DriftPlot {
    Q_OBJECT
public:
    explicit EntropyPlot(DriftSet* set, QWidget* parent = nullptr);
    QString csv() const override;

protected:
    void rebuild() override;
};

} // namespace awb::ui
