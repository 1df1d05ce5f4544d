#pragma once
// The Compare view: pick any two points A and B (a sweep's, a diagnosed one's, or an imported
// AutoAWQ checkpoint's) and see them at once: the table of every figure and gate with the
// differences coloured, entropy vs length and anchor triangulation with F, A and B on shared axes,
// the per-layer error of A and of B on one colour scale, and the λ labels of F, A and B.
#include <QWidget>

#include <vector>

class QComboBox;

namespace awb::ui {

class CompareTableModel;
class CopyableTableView;
class DriftPlot;
class DriftSet;

class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(DriftSet* set, QWidget* parent = nullptr);
    // Indices into the set's points; the plots then draw F, A and B.
    void setPair(int a, int b);
    CompareTableModel* tableModel() const { return m_model; }
    const std::vector<DriftPlot*>& plots() const { return m_plots; }
    // F, A and B (selected: A); the heatmap of B reads m_pairB (same points, B selected).
    DriftSet* pairSet() const { return m_pairA; }

Q_SIGNALS:
    void importRequested(); // "Import AutoAWQ checkpoint…": the window picks a folder and diagnoses it

private:
    void refillChoices();
    void updatePair();

    DriftSet* m_set;
    DriftSet* m_pairA;
    DriftSet* m_pairB;
    QComboBox* m_choiceA;
    QComboBox* m_choiceB;
    CompareTableModel* m_model;
    CopyableTableView* m_table;
    std::vector<DriftPlot*> m_plots;
    bool m_userChosePair = false; // once A and B were picked, updates keep them even when equal
};

} // namespace awb::ui
