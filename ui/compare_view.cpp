#include "ui/compare_view.h"

#include "ui/compare_table_model.h"
#include "ui/copyable_table_view.h"
#include "ui/drift_plot.h"
#include "ui/drift_set.h"
#include "ui/entropy_plot.h"
#include "ui/lambda_plot.h"
#include "ui/layer_heatmap_plot.h"
#include "ui/triangulation_plot.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSplitter>
#include <QVBoxLayout>

namespace awb::ui {

CompareView::CompareView(DriftSet* set, QWidget* parent)
    : QWidget(parent), m_set(set), m_pairA(new DriftSet(this)), m_pairB(new DriftSet(this))
{
    setObjectName(QStringLiteral("Compare"));
    auto* layout = new QVBoxLayout(this);
    auto* bar = new QHBoxLayout;
    m_choiceA = new QComboBox(this);
    m_choiceB = new QComboBox(this);
    m_choiceA->setObjectName(QStringLiteral("compareA"));
    m_choiceB->setObjectName(QStringLiteral("compareB"));
    for (QComboBox* c : {m_choiceA, m_choiceB}) {
        c->setSizeAdjustPolicy(QComboBox::AdjustToContents);
        c->setMinimumContentsLength(14);
    }
    auto* import = new QPushButton(tr("Import AutoAWQ checkpoint…"), this);
    import->setToolTip(tr("Diagnose an AutoAWQ folder (ours or AutoAWQ's) against the open FP model and add it as a point"));
    bar->addWidget(new QLabel(tr("A:"), this));
    bar->addWidget(m_choiceA);
    bar->addSpacing(12);
    bar->addWidget(new QLabel(tr("B:"), this));
    bar->addWidget(m_choiceB);
    bar->addStretch(1);
    bar->addWidget(import);
    layout->addLayout(bar);

    m_model = new CompareTableModel(set, this);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("compareSplitter"));
    // Left: the table over the λ grid; right: entropy and triangulation over the two heatmaps.
    auto* left = new QSplitter(Qt::Vertical, split);
    m_table = new CopyableTableView(m_model, left);
    m_table->setSortingEnabled(false); // the metric order is the reading order
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auto* plots = new QSplitter(Qt::Vertical, split);
    auto* top = new QSplitter(Qt::Horizontal, plots);
    auto* bottom = new QSplitter(Qt::Horizontal, plots);
    m_plots = {new EntropyPlot(m_pairA, top), new TriangulationPlot(m_pairA, top), new LayerHeatmapPlot(m_pairA, bottom),
               new LayerHeatmapPlot(m_pairB, bottom), new LambdaPlot(m_pairA, left)};
    m_plots[2]->setObjectName(QStringLiteral("compareHeatmapA"));
    m_plots[3]->setObjectName(QStringLiteral("compareHeatmapB"));
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 2);
    // The table needs its metric names and four numbers; the plots take the rest, and may shrink
    // below a drift plot's usual minimum so the window still fits 1280 px with both docks open.
    m_table->setMinimumWidth(360);
    for (DriftPlot* p : m_plots)
        p->plot()->setMinimumSize(160, 160);
    split->addWidget(left);
    split->addWidget(plots);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    connect(set, &DriftSet::pointsChanged, this, [this] { refillChoices(); });
    connect(m_choiceA, &QComboBox::activated, this, [this] { m_userChosePair = true; });
    connect(m_choiceB, &QComboBox::activated, this, [this] { m_userChosePair = true; });
    connect(m_choiceA, &QComboBox::currentIndexChanged, this, [this] { updatePair(); });
    connect(m_choiceB, &QComboBox::currentIndexChanged, this, [this] { updatePair(); });
    connect(import, &QPushButton::clicked, this, &CompareView::importRequested);
    refillChoices();
}

void CompareView::refillChoices()
{
    const int oldA = m_choiceA->currentIndex(), oldB = m_choiceB->currentIndex();
    {
        const QSignalBlocker blockA(m_choiceA), blockB(m_choiceB);
        m_choiceA->clear();
        m_choiceB->clear();
        for (const auto& p : m_set->points()) {
            m_choiceA->addItem(QString::fromStdString(p->label));
            m_choiceB->addItem(QString::fromStdString(p->label));
        }
        const int n = m_choiceA->count();
        // Keep the choice across updates; otherwise (and while A = B only for want of a second
        // point) the first two points.
        const int a = oldA >= 0 && oldA < n ? oldA : (n > 0 ? 0 : -1);
        int b = oldB >= 0 && oldB < n ? oldB : n - 1;
        if (b == a && n > 1 && !m_userChosePair)
            b = a == 0 ? 1 : 0;
        m_choiceA->setCurrentIndex(a);
        m_choiceB->setCurrentIndex(b);
    }
    updatePair();
}

void CompareView::setPair(int a, int b)
{
    m_userChosePair = true;
    const QSignalBlocker blockA(m_choiceA), blockB(m_choiceB);
    m_choiceA->setCurrentIndex(a);
    m_choiceB->setCurrentIndex(b);
    updatePair();
}

void CompareView::updatePair()
{
    const int a = m_choiceA->currentIndex(), b = m_choiceB->currentIndex();
    m_model->setPair(a, b);
    std::vector<DriftSet::Point> pair;
    for (int i : {a, b})
        if (i >= 0 && i < int(m_set->points().size()))
            pair.push_back(m_set->points()[i]);
    if (pair.size() == 2 && pair[0] == pair[1])
        pair.pop_back(); // A = B: draw it once
    m_pairA->reset(m_set->fpShared(), pair);
    m_pairB->reset(m_set->fpShared(), pair);
    if (pair.size() == 2)
        m_pairB->select(1);
}

} // namespace awb::ui
