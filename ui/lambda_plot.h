#pragma once
// λ labels (docs/METRICS.md §5) per case across paraphrases × seeds: a grid with one row per case
// and, per model (F first, then every point), one column per run. Each cell shows the label's
// symbol (→ convergent, × chaotic, ← divergent, ↺ recursive) in the label's colour, so the
// meaning never rests on colour alone.
#include "ui/drift_plot.h"

namespace awb::ui {

class LambdaPlot : public DriftPlot {
    Q_OBJECT
public:
    explicit LambdaPlot(DriftSet* set, QWidget* parent = nullptr);
    QString csv() const override;

protected:
    void rebuild() override;
    QString describe(QCPAbstractPlottable* plottable, int dataIndex) const override;
    void adaptToSize() override;

private:
    bool m_longCaseLabels = true;
};

} // namespace awb::ui
