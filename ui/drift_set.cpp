#include "ui/drift_set.h"

namespace awb::ui {

DriftSet::DriftSet(QObject* parent) : QObject(parent) {}

void DriftSet::setFp(std::shared_ptr<const FpData> fp)
{
    m_fp = std::move(fp);
    Q_EMIT pointsChanged();
}

void DriftSet::addPoint(Point point)
{
    bool replaced = false;
    for (auto& p : m_points) {
        if (p->label == point->label) {
            p = point;
            replaced = true;
        }
    }
    if (!replaced)
        m_points.push_back(std::move(point));
    Q_EMIT pointsChanged();
    if (m_selected < 0)
        select(0);
    else
        Q_EMIT selectionChanged(m_selected); // the selected point may have been replaced
}

void DriftSet::clear()
{
    m_points.clear();
    m_fp.reset();
    m_selected = -1;
    Q_EMIT pointsChanged();
    Q_EMIT selectionChanged(-1);
}

void DriftSet::reset(std::shared_ptr<const FpData> fp, std::vector<Point> points)
{
    m_fp = std::move(fp);
    m_points = std::move(points);
    m_selected = m_points.empty() ? -1 : 0;
    Q_EMIT pointsChanged();
    Q_EMIT selectionChanged(m_selected);
}

const DriftPointData* DriftSet::selected() const
{
    return m_selected >= 0 && m_selected < int(m_points.size()) ? m_points[m_selected].get() : nullptr;
}

void DriftSet::select(int index)
{
    if (index < -1 || index >= int(m_points.size()))
        index = -1;
    m_selected = index;
    Q_EMIT selectionChanged(index);
}

} // namespace awb::ui
