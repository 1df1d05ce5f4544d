#include "ui/job_runner.h"

#include "core/base/error.h"
#include "core/base/job_context.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QEventLoop>
#include <QTimer>

#include <chrono>
#include <exception>

namespace awb::ui {

namespace {
// At most this often a progress signal crosses threads (a stage change always does): 20 Hz is
// smooth for a progress bar and far below what could stall the event loop.
constexpr qint64 kProgressIntervalMs = 50;
} // namespace

// The context's callbacks run on the worker and post to the runner, which outlives the worker.
struct JobRunner::Job {
    Job(JobRunner* runner, int jobId, QString jobTitle, Work jobWork)
        : id(jobId), title(std::move(jobTitle)), work(std::move(jobWork)),
          context([this, runner](int64_t done, int64_t total, const std::string& stage) {
              onProgress(runner, done, total, stage);
              return true;
          },
                  [this, runner](const std::string& line) { onLog(runner, line); })
    {
    }

    void onProgress(JobRunner* runner, int64_t done, int64_t total, const std::string& stage)
    {
        if (!clock.isValid()) {
            clock.start();
            stageClock.start();
        }
        const bool newStage = stage != lastStage;
        if (newStage) {
            lastStage = stage;
            stageClock.restart();
        }
        const qint64 now = clock.elapsed();
        if (!newStage && done < total && now - lastEmitMs < kProgressIntervalMs)
            return;
        lastEmitMs = now;
        const double elapsed = stageClock.elapsed() / 1000.0;
        const double eta = (done > 0 && total > done && !newStage) ? elapsed * double(total - done) / double(done) : -1.0;
        const QString stageText = QString::fromStdString(stage);
        const int jobId = id;
        QMetaObject::invokeMethod(
            runner, [runner, jobId, stageText, done, total, eta] { Q_EMIT runner->progress(jobId, stageText, done, total, eta); },
            Qt::QueuedConnection);
    }

    void onLog(JobRunner* runner, const std::string& line)
    {
        static const std::string prefix = "warning: ";
        if (line.rfind(prefix, 0) != 0)
            return;
        const QString message = QString::fromStdString(line.substr(prefix.size()));
        const int jobId = id;
        QMetaObject::invokeMethod(runner, [runner, jobId, message] { Q_EMIT runner->warning(jobId, message); }, Qt::QueuedConnection);
    }

    const int id;
    const QString title;
    Work work;
    JobContext context; // cancel() is thread-safe; the rest is the worker's while the job runs
    // Worker-only progress state.
    QElapsedTimer clock, stageClock;
    std::string lastStage;
    qint64 lastEmitMs = -kProgressIntervalMs;
};

JobRunner::JobRunner(QObject* parent) : QObject(parent) {}

JobRunner::~JobRunner()
{
    cancelAll();
    if (m_worker.joinable())
        m_worker.join(); // the job stops at its next check; its queued signals die with this object
}

int JobRunner::start(const QString& title, Work work)
{
    auto job = std::make_shared<Job>(this, m_nextId++, title, std::move(work));
    m_queue.push_back(job);
    Q_EMIT jobQueued(job->id, title);
    if (!m_running)
        startNext();
    return job->id;
}

void JobRunner::cancel(int id)
{
    if (m_running && m_running->id == id) {
        m_running->context.cancel();
        return;
    }
    for (auto it = m_queue.begin(); it != m_queue.end(); ++it) {
        if ((*it)->id == id) {
            m_queue.erase(it);
            Q_EMIT jobFinished(id, false, true, tr("cancelled before it started"));
            return;
        }
    }
}

void JobRunner::cancelAll()
{
    while (!m_queue.empty()) {
        const int id = m_queue.front()->id;
        m_queue.pop_front();
        Q_EMIT jobFinished(id, false, true, tr("cancelled before it started"));
    }
    if (m_running)
        m_running->context.cancel();
}

bool JobRunner::isBusy() const { return m_running || !m_queue.empty(); }

bool JobRunner::waitForIdle(int timeoutMs)
{
    if (!isBusy())
        return true;
    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    connect(this, &JobRunner::idle, &loop, &QEventLoop::quit);
    timeout.start(timeoutMs);
    loop.exec();
    return !isBusy();
}

void JobRunner::startNext()
{
    if (m_queue.empty()) {
        Q_EMIT idle();
        return;
    }
    if (m_worker.joinable())
        m_worker.join(); // the previous job has already posted its last event
    m_running = m_queue.front();
    m_queue.pop_front();
    Q_EMIT jobStarted(m_running->id);

    std::shared_ptr<Job> job = m_running;
    m_worker = std::thread([this, job] {
        const int id = job->id;
        bool ok = false, cancelled = false;
        QString error;
        std::function<void()> apply;
        try {
            apply = job->work(job->context);
            ok = !job->context.isCancelled();
            cancelled = !ok;
        } catch (const Cancelled&) {
            cancelled = true;
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
            cancelled = job->context.isCancelled();
        } catch (...) {
            error = tr("unknown error");
        }
        if (cancelled)
            apply = nullptr; // a stopped job's partial result is not shown as if it were complete
        QMetaObject::invokeMethod(
            this, [this, id, ok, cancelled, error, apply] { onWorkerDone(id, ok, cancelled, error, apply); },
            Qt::QueuedConnection);
    });
}

void JobRunner::onWorkerDone(int id, bool ok, bool cancelled, const QString& error, std::function<void()> apply)
{
    QString failure = error;
    if (ok && apply) {
        try {
            apply();
        } catch (const std::exception& e) {
            ok = false;
            failure = QString::fromUtf8(e.what());
        }
    }
    m_running.reset();
    Q_EMIT jobFinished(id, ok, cancelled, cancelled ? tr("cancelled") : failure);
    startNext();
}

} // namespace awb::ui
