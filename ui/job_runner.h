#pragma once
// JobRunner: runs core jobs one after another on a worker thread and reports on the GUI thread.
// A job is a function run on the worker with a JobContext; it returns a continuation that the
// runner calls on the GUI thread when the job succeeded (so results are applied where widgets live,
// and never half-applied). Progress, warnings and the outcome arrive as queued signals; progress is
// throttled so a chatty job cannot flood the event loop. Jobs run one at a time because core jobs
// set libtorch's process-wide thread count (core/base/runtime.h). The owner (the main window)
// destroys the runner on the GUI thread: the destructor cancels every job and waits for the worker.
#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace awb {
class JobContext;
}

namespace awb::ui {

class JobRunner : public QObject {
    Q_OBJECT
public:
    // Runs on the worker thread; may throw (awb::Error and others become finished(..., error)).
    // The returned function, when not empty, runs on the GUI thread after success.
    using Work = std::function<std::function<void()>(awb::JobContext&)>;

    explicit JobRunner(QObject* parent = nullptr);
    ~JobRunner() override; // cancels all jobs and joins the worker

    // GUI thread. Queues a job and returns its id (ids start at 1).
    int start(const QString& title, Work work);
    // GUI thread. A queued job is dropped; a running one is asked to stop (it stops at its next
    // check, between blocks or windows) and finishes with cancelled = true.
    void cancel(int id);
    void cancelAll();
    bool isBusy() const;
    // GUI thread, for tests and the demo: runs the event loop until idle or timeout; false on timeout.
    bool waitForIdle(int timeoutMs);

Q_SIGNALS:
    void jobQueued(int id, const QString& title);
    void jobStarted(int id);
    // etaSeconds < 0 when not known yet.
    void progress(int id, const QString& stage, qint64 done, qint64 total, double etaSeconds);
    void warning(int id, const QString& message);
    void jobFinished(int id, bool ok, bool cancelled, const QString& error);
    void idle();

private:
    struct Job;
    void startNext();
    void onWorkerDone(int id, bool ok, bool cancelled, const QString& error, std::function<void()> apply);

    std::deque<std::shared_ptr<Job>> m_queue;
    std::shared_ptr<Job> m_running;
    std::thread m_worker;
    int m_nextId = 1;
};

} // namespace awb::ui
