#pragma once
// The Results view: one row per point (settings, bits per weight, ppl, Δppl%, KL, top-1, gates),
// sortable and copyable; selecting a row selects the point everywhere; "Export CSV…" writes it.
// Below it, the chosen quality metric against bits per weight with the Pareto front.
#include <QWidget>

namespace awb::ui {

class CopyableTableView;
class DriftSet;
class ParetoPlot;
class PointsTableModel;

class ResultsView : public QWidget {
    Q_OBJECT
public:
    explicit ResultsView(DriftSet* set, QWidget* parent = nullptr);
    PointsTableModel* pointsModel() const { return m_model; }
    CopyableTableView* table() const { return m_table; }
    ParetoPlot* paretoPlot() const { return m_pareto; }

private:
    DriftSet* m_set;
    PointsTableModel* m_model;
    CopyableTableView* m_table;
    ParetoPlot* m_pareto;
};

} // namespace awb::ui
