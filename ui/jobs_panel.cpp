#include "ui/jobs_panel.h"

#include "ui/job_runner.h"

#include <QHeaderView>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace awb::ui {

namespace {
enum Column { Title, State, Stage, Progress, Eta, Action, ColumnCount };
}

QString formatSeconds(double seconds)
{
    if (seconds < 0)
        return QStringLiteral("—");
    const int s = int(seconds + 0.5);
    return s >= 60 ? QStringLiteral("%1 m %2 s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0')) : QStringLiteral("%1 s").arg(s);
}

JobsPanel::JobsPanel(JobRunner* runner, QWidget* parent) : QWidget(parent), m_runner(runner)
{
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_table = new QTableWidget(0, ColumnCount, this);
    m_table->setObjectName(QStringLiteral("jobsTable"));
    m_table->setHorizontalHeaderLabels({tr("job"), tr("state"), tr("stage"), tr("progress"), tr("ETA"), QString()});
    m_table->verticalHeader()->setVisible(false);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(Title, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(Stage, QHeaderView::Stretch);
    m_table->setColumnWidth(Progress, 160);
    layout->addWidget(m_table);

    connect(runner, &JobRunner::jobQueued, this, [this](int id, const QString& title) {
        const int row = 0; // newest first
        m_table->insertRow(row);
        for (auto& [job, r] : m_rows)
            ++r;
        m_rows[id] = row;
        m_table->setItem(row, Title, new QTableWidgetItem(title));
        m_table->setItem(row, State, new QTableWidgetItem(tr("queued")));
        m_table->setItem(row, Stage, new QTableWidgetItem);
        auto* eta = new QTableWidgetItem(QStringLiteral("—"));
        eta->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_table->setItem(row, Eta, eta);
        auto* bar = new QProgressBar;
        bar->setRange(0, 0);
        m_table->setCellWidget(row, Progress, bar);
        auto* cancel = new QPushButton(tr("Cancel"));
        connect(cancel, &QPushButton::clicked, this, [this, id] { m_runner->cancel(id); });
        m_table->setCellWidget(row, Action, cancel);
    });
    connect(runner, &JobRunner::jobStarted, this, [this](int id) { setState(id, tr("running")); });
    connect(runner, &JobRunner::progress, this, [this](int id, const QString& stage, qint64 done, qint64 total, double eta) {
        const int row = rowOf(id);
        if (row < 0)
            return;
        m_table->item(row, Stage)->setText(stage);
        m_table->item(row, Eta)->setText(formatSeconds(eta));
        if (auto* bar = qobject_cast<QProgressBar*>(m_table->cellWidget(row, Progress))) {
            // Some stages report counts above int range (tokens); scale to per-mille.
            bar->setRange(0, 1000);
            bar->setValue(total > 0 ? int(1000.0 * double(done) / double(total)) : 0);
            bar->setFormat(total > 0 ? QStringLiteral("%1 / %2").arg(done).arg(total) : QString());
        }
    });
    connect(runner, &JobRunner::jobFinished, this, [this](int id, bool ok, bool cancelled, const QString& error) {
        setState(id, ok ? tr("done") : cancelled ? tr("cancelled") : tr("failed"));
        const int row = rowOf(id);
        if (row < 0)
            return;
        if (auto* bar = qobject_cast<QProgressBar*>(m_table->cellWidget(row, Progress))) {
            bar->setRange(0, 1000);
            bar->setValue(ok ? 1000 : bar->value());
            bar->setFormat(ok ? tr("done") : cancelled ? tr("cancelled") : tr("failed"));
        }
        m_table->item(row, Eta)->setText(QStringLiteral("—"));
        if (!ok && !error.isEmpty())
            m_table->item(row, Stage)->setText(error);
        if (auto* button = m_table->cellWidget(row, Action))
            button->setEnabled(false);
    });
}

int JobsPanel::rowCount() const { return m_table->rowCount(); }

int JobsPanel::rowOf(int jobId) const
{
    const auto it = m_rows.find(jobId);
    return it == m_rows.end() ? -1 : it->second;
}

QString JobsPanel::stateText(int jobId) const
{
    const int row = rowOf(jobId);
    return row < 0 ? QString() : m_table->item(row, State)->text();
}

void JobsPanel::setState(int jobId, const QString& state)
{
    const int row = rowOf(jobId);
    if (row >= 0)
        m_table->item(row, State)->setText(state);
}

} // namespace awb::ui
