#pragma once
// The Drift plots view: entropy vs length, anchor triangulation, per-layer error and λ labels in a
// 2 × 2 grid of splitters, all observing the same DriftSet.
#include <QWidget>

#include <vector>

class QSplitter;

namespace awb::ui {

class DriftPlot;
class DriftSet;

class DriftPlotsView : public QWidget {
    Q_OBJECT
public:
    explicit DriftPlotsView(DriftSet* set, QWidget* parent = nullptr);
    const std::vector<DriftPlot*>& plots() const { return m_plots; }
    std::vector<QSplitter*> splitters() const;

private:
    std::vector<DriftPlot*> m_plots;
    QSplitter* m_rows;
    QSplitter* m_top;
    QSplitter* m_bottom;
};

} // namespace awb::ui
