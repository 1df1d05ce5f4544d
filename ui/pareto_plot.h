#pragma once
// Quality against size: perplexity, KL or top-1 agreement of every point against its bits per
// weight, the FP reference as a dashed line, and the Pareto front (the points no other point beats
// on both size and quality) as a step line through them.
#include "ui/drift_plot.h"

namespace awb::ui {

class ParetoPlot : public DriftPlot {
    Q_OBJECT
public:
    enum Metric { Perplexity, KlMean, Top1 };
    explicit ParetoPlot(DriftSet* set, QWidget* parent = nullptr);
    void setMetric(Metric metric);
    Metric metric() const { return m_metric; }
    QString csv() const override;
    // Indices (into the DriftSet's points) on the front, by increasing bits per weight.
    std::vector<int> paretoFront() const;

protected:
    void rebuild() override;
    QString describe(QCPAbstractPlottable* plottable, int dataIndex) const override;

private:
    Metric m_metric = Perplexity;
};

} // namespace awb::ui
