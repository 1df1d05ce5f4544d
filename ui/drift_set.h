#pragma once
// DriftSet: the F reference and the quantized points of one workbench session, and which point is
// selected. The one data source every drift view observes (plots and tables read it on change and
// keep no copies of their own). GUI thread only; points arrive from finished jobs.
#include "ui/drift_point.h"

#include <QObject>

#include <memory>
#include <vector>

namespace awb::ui {

class DriftSet : public QObject {
    Q_OBJECT
public:
    using Point = std::shared_ptr<const DriftPointData>;
    explicit DriftSet(QObject* parent = nullptr);

    // Sets F's data (from the first point of a run; later ones carry the same F).
    void setFp(std::shared_ptr<const FpData> fp);
    // Adds a point, or replaces the one with the same label; selects it when nothing is selected.
    void addPoint(Point point);
    void clear();
    // Replaces F and every point at once (a reopened or finished sweep); selects the first point.
    void reset(std::shared_ptr<const FpData> fp, std::vector<Point> points);

    const FpData* fp() const { return m_fp.get(); }
    std::shared_ptr<const FpData> fpShared() const { return m_fp; }
    const std::vector<Point>& points() const { return m_points; }
    int selectedIndex() const { return m_selected; }
    const DriftPointData* selected() const;
    void select(int index);

Q_SIGNALS:
    void pointsChanged();             // points added, replaced or cleared (F may have changed too)
    void selectionChanged(int index); // -1: none

private:
    std::shared_ptr<const FpData> m_fp;
    std::vector<Point> m_points;
    int m_selected = -1;
};

} // namespace awb::ui
