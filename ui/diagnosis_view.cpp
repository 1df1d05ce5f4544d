#include "ui/diagnosis_view.h"

#include "ui/copyable_table_view.h"
#include "ui/drift_set.h"
#include "ui/drift_table_models.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>

namespace awb::ui {

namespace {
// The next finer group size that AutoAWQ kernels support (per-channel -> 128 -> 64 -> 32).
long long finerGroup(long long group)
{
    if (group <= 0)
        return 128;
    return group > 32 ? group / 2 : 0;
}
} // namespace

DiagnosisView::DiagnosisView(DriftSet* set, QWidget* parent) : QWidget(parent), m_set(set)
{
    setObjectName(QStringLiteral("Diagnosis"));
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    m_summary = new QLabel(this);
    m_summary->setWordWrap(true);
    m_nextStep = new QPushButton(this);
    m_nextStep->setObjectName(QStringLiteral("nextStepButton"));
    top->addWidget(m_summary, 1);
    top->addWidget(m_nextStep);
    layout->addLayout(top);
    m_gates = new GatesTableModel(set, this);
    m_diagnosis = new DiagnosisTableModel(set, this);
    auto* split = m_split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("diagnosisSplitter"));
    m_gatesView = new CopyableTableView(m_gates, split);
    m_diagnosisView = new CopyableTableView(m_diagnosis, split);
    m_diagnosisView->setWordWrap(true);
    m_diagnosisView->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_diagnosisView->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    split->addWidget(m_gatesView);
    split->addWidget(m_diagnosisView);
    layout->addWidget(split, 1);
    connect(set, &DriftSet::selectionChanged, this, &DiagnosisView::update);
    connect(set, &DriftSet::pointsChanged, this, &DiagnosisView::update);
    connect(m_nextStep, &QPushButton::clicked, this, [this] {
        if (const DriftPointData* p = m_set->selected())
            if (const long long g = finerGroup(p->groupSize))
                Q_EMIT finerGroupRequested(p->wBit, g, p->zeroPoint, QString::fromStdString(p->method));
    });
    update();
}

void DiagnosisView::update()
{
    const DriftPointData* p = m_set->selected();
    if (!p) {
        m_summary->setText(tr("No point selected. Run the demo (Ctrl+R) or pick a point in the Project tree."));
        m_nextStep->setVisible(false);
        return;
    }
    const int passed = p->gatesPassed(), total = int(p->gates.size());
    m_summary->setText(p->allGatesPass()
                           ? tr("<b>%1</b>: ✓ all %2 gates pass.").arg(QString::fromStdString(p->label)).arg(total)
                           : tr("<b>%1</b>: ✗ %2 of %3 gates fail. The rows below name the likely cause and the next step.")
                                 .arg(QString::fromStdString(p->label))
                                 .arg(total - passed)
                                 .arg(total));
    const long long g = finerGroup(p->groupSize);
    m_nextStep->setVisible(!p->allGatesPass() && g > 0);
    m_nextStep->setText(tr("Try w%1 g%2 (finer groups)").arg(p->wBit).arg(g));
    m_gatesView->resizeColumnsToContents();
    // Every gate visible without scrolling; the diagnosis rows get the rest.
    const int gatesHeight = m_gatesView->horizontalHeader()->sizeHint().height() +
                            total * m_gatesView->verticalHeader()->defaultSectionSize() + 2 * m_gatesView->frameWidth() + 2;
    const int available = std::max(m_split->height(), gatesHeight + 120);
    m_split->setSizes({gatesHeight, available - gatesHeight});
}

} // namespace awb::ui
