#pragma once
// The Inspector dock: the selected point's settings, metrics, gate verdicts and provenance.
#include <QWidget>

class QTreeWidget;

namespace awb::ui {

class DriftSet;

class InspectorPanel : public QWidget {
    Q_OBJECT
public:
    InspectorPanel(DriftSet* set, QWidget* parent = nullptr);
    QTreeWidget* tree() const { return m_tree; }

private:
    void update();
    DriftSet* m_set;
    QTreeWidget* m_tree;
};

} // namespace awb::ui
