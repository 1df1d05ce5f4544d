#pragma once
// The Diagnosis view: the selected point's gates (✓/✗ in words and colour) and the diagnosis rows
// (symptom -> likely cause -> next step), with a button that queues the suggested next step where
// the workbench can run it (a finer group size for the same w_bit).
#include <QWidget>

class QLabel;
class QPushButton;
class QSplitter;

namespace awb::ui {

class CopyableTableView;
class DiagnosisTableModel;
class DriftSet;
class GatesTableModel;

class DiagnosisView : public QWidget {
    Q_OBJECT
public:
    explicit DiagnosisView(DriftSet* set, QWidget* parent = nullptr);
    GatesTableModel* gatesModel() const { return m_gates; }
    DiagnosisTableModel* diagnosisModel() const { return m_diagnosis; }
    CopyableTableView* gatesView() const { return m_gatesView; }
    CopyableTableView* diagnosisView() const { return m_diagnosisView; }

Q_SIGNALS:
    // The user asked for the selected point again at this group size.
    void finerGroupRequested(int wBit, long long groupSize, bool zeroPoint, const QString& method);

private:
    void update();

    DriftSet* m_set;
    QLabel* m_summary;
    QPushButton* m_nextStep;
    QSplitter* m_split;
    GatesTableModel* m_gates;
    DiagnosisTableModel* m_diagnosis;
    CopyableTableView* m_gatesView;
    CopyableTableView* m_diagnosisView;
};

} // namespace awb::ui
