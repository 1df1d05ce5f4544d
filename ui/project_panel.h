#pragma once
// The Project dock: a tree of the FP model, the calibration sets (checkable: the demo and every new
// point calibrate on the checked ones) and the results' points. Selecting a point selects it in the
// DriftSet, which drives every view. The calibration branch mirrors the Calibration view's choices
// (setCalibrationChoices) and reports a user's tick back (calibrationCheckChanged).
#include "ui/calibration_data.h"

#include <QWidget>

#include <string>
#include <vector>

class QTreeWidget;
class QTreeWidgetItem;

namespace awb::ui {

class DriftSet;

class ProjectPanel : public QWidget {
    Q_OBJECT
public:
    ProjectPanel(DriftSet* set, QWidget* parent = nullptr);
    void setModelPath(const QString& path, const QString& description);
    // Bundled names ("tinystories", "wikitext2") or file paths, in tree order, that are checked.
    std::vector<std::string> checkedCalibration() const;
    void addCalibrationFile(const QString& path);
    // Rebuilds the calibration branch from the Calibration view's choices (no signal).
    void setCalibrationChoices(const CalibrationChoices& choices);
    QTreeWidget* tree() const { return m_tree; }

Q_SIGNALS:
    void calibrationCheckChanged(const QString& source, bool checked);

private:
    void rebuildPoints();
    DriftSet* m_set;
    QTreeWidget* m_tree;
    QTreeWidgetItem* m_model;
    QTreeWidgetItem* m_calibration;
    QTreeWidgetItem* m_results;
};

} // namespace awb::ui
