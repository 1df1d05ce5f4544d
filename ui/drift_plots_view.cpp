#include "ui/drift_plots_view.h"

#include "ui/entropy_plot.h"
#include "ui/lambda_plot.h"
#include "ui/layer_heatmap_plot.h"
#include "ui/triangulation_plot.h"

#include <QSplitter>
#include <QVBoxLayout>

namespace awb::ui {

DriftPlotsView::DriftPlotsView(DriftSet* set, QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("DriftPlots"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    m_rows = new QSplitter(Qt::Vertical, this);
    m_rows->setObjectName(QStringLiteral("driftRows"));
    m_top = new QSplitter(Qt::Horizontal, m_rows);
    m_top->setObjectName(QStringLiteral("driftTop"));
    m_bottom = new QSplitter(Qt::Horizontal, m_rows);
    m_bottom->setObjectName(QStringLiteral("driftBottom"));
    m_plots = {new EntropyPlot(set, m_top), new TriangulationPlot(set, m_top), new LayerHeatmapPlot(set, m_bottom),
               new LambdaPlot(set, m_bottom)};
    m_top->addWidget(m_plots[0]);
    m_top->addWidget(m_plots[1]);
    m_bottom->addWidget(m_plots[2]);
    m_bottom->addWidget(m_plots[3]);
    m_rows->addWidget(m_top);
    m_rows->addWidget(m_bottom);
    layout->addWidget(m_rows);
}

std::vector<QSplitter*> DriftPlotsView::splitters() const { return {m_rows, m_top, m_bottom}; }

} // namespace awb::ui
