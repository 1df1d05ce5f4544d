#include "ui/sweep_view.h"

#include "ui/copyable_table_view.h"
#include "ui/jobs_panel.h"
#include "ui/sweep_table_model.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace awb::ui {

SweepView::SweepView(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("Sweep"));
    auto* layout = new QVBoxLayout(this);
    auto* gridBox = new QGroupBox(tr("Grid: every checked combination is one point"), this);
    auto* form = new QFormLayout(gridBox);
    auto row = [&](const QString& label) {
        auto* w = new QWidget(gridBox);
        auto* h = new QHBoxLayout(w);
        h->setContentsMargins(0, 0, 0, 0);
        form->addRow(label, w);
        return h;
    };
    QHBoxLayout* bits = row(tr("w_bit"));
    for (int b : {2, 3, 4, 8}) {
        m_bits[b] = new QCheckBox(QString::number(b), gridBox);
        m_bits[b]->setChecked(b == 3 || b == 4);
        bits->addWidget(m_bits[b]);
    }
    bits->addStretch(1);
    QHBoxLayout* groups = row(tr("group size"));
    for (long long g : {32LL, 64LL, 128LL, -1LL}) {
        m_groups[g] = new QCheckBox(g > 0 ? QString::number(g) : tr("per channel"), gridBox);
        m_groups[g]->setChecked(g == 32 || g == 64);
        groups->addWidget(m_groups[g]);
    }
    groups->addStretch(1);
    QHBoxLayout* zero = row(tr("zero point"));
    m_zp = new QCheckBox(tr("asymmetric (zero point)"), gridBox);
    m_zp->setChecked(true);
    m_sym = new QCheckBox(tr("symmetric"), gridBox);
    zero->addWidget(m_zp);
    zero->addWidget(m_sym);
    zero->addStretch(1);
    QHBoxLayout* method = row(tr("method"));
    m_awq = new QCheckBox(tr("AWQ (calibrated on the checked sets)"), gridBox);
    m_awq->setChecked(true);
    m_rtn = new QCheckBox(tr("RTN"), gridBox);
    method->addWidget(m_awq);
    method->addWidget(m_rtn);
    method->addStretch(1);
    // The AWQ search of every AWQ point: feed, scaling and the alpha screen of `awb sweep` (userData).
    QHBoxLayout* search = row(tr("AWQ search"));
    m_search = new QComboBox(gridBox);
    m_search->setObjectName(QStringLiteral("sweepSearch"));
    m_search->addItem(tr("best of four: fp and quantized feed × activation and duo scaling"), QStringList{"best", "best", "0"});
    m_search->addItem(tr("llm-awq: fp feed, activation scaling (one search)"), QStringList{"fp", "activation", "0"});
    m_search->addItem(tr("llm-awq, α screened on every 4th window (faster, approximate)"), QStringList{"fp", "activation", "4"});
    m_search->setToolTip(tr("Best of four keeps, per point, the search whose quantized model has the lowest calibration "
                            "perplexity (four times the time of one). The screen ranks every α on a quarter of the "
                            "calibration windows and scores only the best two (and α = 0) on all of them."));
    search->addWidget(m_search);
    search->addStretch(1);
    QHBoxLayout* store = row(tr("store"));
    m_store = new QLineEdit(QDir::temp().filePath(QStringLiteral("awq-workbench-sweep.h5")), gridBox);
    m_store->setToolTip(tr("HDF5 sweep store; a store of the same plan resumes, skipping the points it holds"));
    auto* browse = new QPushButton(tr("Browse…"), gridBox);
    store->addWidget(m_store, 1);
    store->addWidget(browse);
    layout->addWidget(gridBox);

    auto* controls = new QHBoxLayout;
    m_start = new QPushButton(tr("Start sweep"), this);
    m_start->setObjectName(QStringLiteral("startSweep"));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setEnabled(false);
    auto* open = new QPushButton(tr("Open store…"), this);
    controls->addWidget(m_start);
    controls->addWidget(m_cancel);
    controls->addWidget(open);
    controls->addStretch(1);
    layout->addLayout(controls);

    auto* progress = new QFormLayout;
    m_overall = new QProgressBar(this);
    m_overall->setRange(0, 1000);
    m_overall->setValue(0);
    m_point = new QProgressBar(this);
    m_point->setRange(0, 1000);
    m_point->setValue(0);
    m_status = new QLabel(tr("Not started."), this);
    progress->addRow(tr("overall"), m_overall);
    progress->addRow(tr("point"), m_point);
    progress->addRow(QString(), m_status);
    layout->addLayout(progress);

    m_model = new SweepTableModel(this);
    m_table = new CopyableTableView(m_model, this);
    layout->addWidget(m_table, 1);

    connect(m_start, &QPushButton::clicked, this, &SweepView::startRequested);
    connect(m_cancel, &QPushButton::clicked, this, &SweepView::cancelRequested);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Sweep store"), m_store->text(), tr("HDF5 (*.h5)"), nullptr,
                                                          QFileDialog::DontConfirmOverwrite);
        if (!path.isEmpty())
            m_store->setText(path);
    });
    connect(open, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a sweep store"), m_store->text(), tr("HDF5 (*.h5)"));
        if (!path.isEmpty())
            Q_EMIT openRequested(path);
    });
}

SweepRequest SweepView::gridRequest() const
{
    SweepRequest r;
    r.wBits.clear();
    for (const auto& [b, box] : m_bits)
        if (box->isChecked())
            r.wBits.push_back(b);
    r.groupSizes.clear();
    for (const auto& [g, box] : m_groups)
        if (box->isChecked())
            r.groupSizes.push_back(g);
    r.zeroPoints.clear();
    if (m_zp->isChecked())
        r.zeroPoints.push_back(true);
    if (m_sym->isChecked())
        r.zeroPoints.push_back(false);
    r.methods.clear();
    if (m_awq->isChecked())
        r.methods.push_back("awq");
    if (m_rtn->isChecked())
        r.methods.push_back("rtn");
    const QStringList search = m_search->currentData().toStringList();
    r.feed = search[0].toStdString();
    r.scaling = search[1].toStdString();
    r.scaleScreen = search[2].toInt();
    r.storePath = m_store->text().toStdString();
    return r;
}

QString SweepView::storePath() const { return m_store->text(); }
void SweepView::setStorePath(const QString& path) { m_store->setText(path); }

void SweepView::setChecked(const std::vector<int>& wBits, const std::vector<int64_t>& groups)
{
    for (auto& [b, box] : m_bits)
        box->setChecked(std::find(wBits.begin(), wBits.end(), b) != wBits.end());
    for (auto& [g, box] : m_groups)
        box->setChecked(std::find(groups.begin(), groups.end(), g) != groups.end());
}

void SweepView::setRunning(bool running)
{
    m_start->setEnabled(!running);
    m_cancel->setEnabled(running);
}

void SweepView::sweepStarted(const SweepTable& header)
{
    setRunning(true);
    m_model->startTable(header);
    m_overall->setValue(0);
    m_point->setValue(0);
    m_status->setText(tr("Sweep of %1 points into %2").arg(header.plannedPoints).arg(QString::fromStdString(header.path)));
}

void SweepView::pointProgress(const QString& key, qint64 done, qint64 total, const QString& stage)
{
    m_point->setValue(total > 0 ? int(1000.0 * double(done) / double(total)) : 0);
    m_point->setFormat(QStringLiteral("%1: %2").arg(key, stage));
}

void SweepView::overallProgress(qint64 doneMilli, qint64 totalMilli, double etaSeconds)
{
    m_overall->setValue(totalMilli > 0 ? int(1000.0 * double(doneMilli) / double(totalMilli)) : 0);
    m_overall->setFormat(tr("%1 of %2 points · ETA %3")
                             .arg(double(doneMilli) / 1000.0, 0, 'f', 1)
                             .arg(double(totalMilli) / 1000.0, 0, 'f', 0)
                             .arg(formatSeconds(etaSeconds)));
}

void SweepView::rowStored(const SweepTableRow& row)
{
    m_model->addRow(row);
    m_table->resizeColumnsToContents();
}

void SweepView::sweepFinished(bool ok, const QString& message)
{
    setRunning(false);
    if (ok) {
        m_overall->setValue(1000);
        m_point->setValue(1000);
        m_point->setFormat(tr("done"));
    }
    m_status->setText(message);
}

void SweepView::showTable(const SweepTable& table)
{
    m_model->setTable(table);
    m_table->resizeColumnsToContents();
    m_store->setText(QString::fromStdString(table.path));
    m_status->setText(tr("Store %1: %2 of %3 points").arg(QString::fromStdString(table.path)).arg(table.rows.size()).arg(table.plannedPoints));
}

} // namespace awb::ui
