#include "ui/results_view.h"

#include "ui/copyable_table_view.h"
#include "ui/drift_set.h"
#include "ui/drift_table_models.h"
#include "ui/pareto_plot.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

namespace awb::ui {

ResultsView::ResultsView(DriftSet* set, QWidget* parent) : QWidget(parent), m_set(set)
{
    setObjectName(QStringLiteral("Results"));
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    auto* hint = new QLabel(tr("Click a header to sort, select rows and press Ctrl+C to copy."), this);
    auto* exportCsv = new QPushButton(tr("Export CSV…"), this);
    bar->addWidget(hint, 1);
    bar->addWidget(exportCsv);
    layout->addLayout(bar);
    m_model = new PointsTableModel(set, this);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("resultsSplitter"));
    auto* tabs = new QTabWidget(split);
    tabs->setObjectName(QStringLiteral("resultsTables"));
    m_table = new CopyableTableView(m_model, tabs);
    m_caseModel = new CaseTableModel(set, this);
    m_caseTable = new CopyableTableView(m_caseModel, tabs);
    m_caseTable->setObjectName(QStringLiteral("cases"));
    tabs->addTab(m_table, tr("Points"));
    tabs->addTab(m_caseTable, tr("ΔS per case"));
    auto* plotBox = new QWidget(split);
    auto* plotLayout = new QVBoxLayout(plotBox);
    plotLayout->setContentsMargins(0, 0, 0, 0);
    auto* metricBar = new QHBoxLayout;
    auto* metric = new QComboBox(plotBox);
    metric->addItems({tr("perplexity"), tr("KL mean"), tr("top-1 agreement")});
    metricBar->addWidget(new QLabel(tr("Quality against bits per weight:"), plotBox));
    metricBar->addWidget(metric);
    metricBar->addStretch(1);
    plotLayout->addLayout(metricBar);
    m_pareto = new ParetoPlot(set, plotBox);
    plotLayout->addWidget(m_pareto, 1);
    split->addWidget(tabs);
    split->addWidget(plotBox);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
    connect(metric, &QComboBox::currentIndexChanged, this, [this](int i) { m_pareto->setMetric(ParetoPlot::Metric(i)); });

    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        if (current.isValid())
            m_set->select(m_table->proxy()->mapToSource(current).row());
    });
    connect(m_caseTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        if (current.isValid())
            m_set->select(m_caseModel->pointOfRow(m_caseTable->proxy()->mapToSource(current).row()));
    });
    connect(set, &DriftSet::selectionChanged, this, [this](int index) {
        if (index < 0 || index >= m_model->rowCount())
            return;
        const QModelIndex proxyIndex = m_table->proxy()->mapFromSource(m_model->index(index, 0));
        if (m_table->currentIndex().row() != proxyIndex.row())
            m_table->selectRow(proxyIndex.row());
    });
    connect(exportCsv, &QPushButton::clicked, this, [this, tabs] {
        const auto* view = static_cast<CopyableTableView*>(tabs->currentWidget());
        const QString path = QFileDialog::getSaveFileName(this, tr("Export the table as CSV"), view == m_table ? QStringLiteral("results.csv") : QStringLiteral("delta-s-per-case.csv"), tr("CSV files (*.csv)"));
        if (path.isEmpty())
            return;
        QSaveFile file(path); // written to a temporary and renamed: never a half-written CSV
        if (file.open(QIODevice::WriteOnly)) {
            file.write(view->tableAsCsv().toUtf8());
            file.commit();
        }
    });
}

} // namespace awb::ui
