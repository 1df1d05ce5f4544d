#pragma once
// The Results view: one row per point (settings, bits per weight, ppl, Δppl%, KL, top-1, gates),
// and in a second tab the ΔS table (one row per point and probe case, gate cells coloured); both
// sortable and copyable; selecting a row selects the point everywhere; "Export CSV…" writes the
// table in view.
// Below it, the chosen quality metric against bits per weight with the Pareto front.
#include <QWidget>

namespace awb::ui {

class CopyableTableView;
class DriftSet;
class ParetoPlot;
class PointsTableModel;
class CaseTableModel;

class ResultsView : public QWidget {
    Q_OBJECT
public:
    explicit ResultsView(DriftSet* set, QWidget* parent = nullptr);
    PointsTableModel* pointsModel() const { return m_model; }
    CopyableTableView* table() const { return m_table; }
    CaseTableModel* caseModel() const { return m_caseModel; }
    CopyableTableView* caseTable() const { return m_caseTable; }
    ParetoPlot* paretoPlot() const { return m_pareto; }

private:
    DriftSet* m_set;
    PointsTableModel* m_model;
    CopyableTableView* m_table;
    CaseTableModel* m_caseModel;
    CopyableTableView* m_caseTable;
    ParetoPlot* m_pareto;
};

} // namespace awb::ui
