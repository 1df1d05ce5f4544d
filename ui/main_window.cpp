#include "ui/main_window.h"

#include "ui/awq_search_view.h"
#include "ui/calibration_view.h"
#include "ui/checkpoint_export.h"
#include "ui/compare_view.h"
#include "ui/demo_plan.h"
#include "ui/diagnosis_view.h"
#include "ui/drift_plot.h"
#include "ui/drift_plots_view.h"
#include "ui/drift_set.h"
#include "ui/inspector_panel.h"
#include "ui/issues_panel.h"
#include "ui/job_runner.h"
#include "ui/jobs_panel.h"
#include "ui/model_info.h"
#include "ui/model_view.h"
#include "ui/project_panel.h"
#include "ui/report_pdf.h"
#include "ui/results_view.h"
#include "ui/sweep_view.h"
#include "ui/sweep_table_model.h"
#include "ui/system_status.h"

#include "core/base/error.h"
#include "core/base/job_context.h"

#include <QAction>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QPointer>
#include <QElapsedTimer>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

#include <map>
#include <memory>

namespace awb::ui {

namespace {
constexpr int kMaxRecent = 8;

// The Calibration view's block settings on a point's request (sources are set by the caller).
void applyBlocks(DiagnoseRequest& r, const CalibrationChoices& c)
{
    r.calibBlocks = c.blocks;
    r.calibSeqLen = c.seqLen;
    r.splitLongSamples = c.splitLongSamples;
}

QString pointTitle(const DiagnoseRequest& r)
{
    if (!r.quantDir.empty())
        return QStringLiteral("Diagnose imported %1").arg(QFileInfo(QString::fromStdString(r.quantDir)).fileName());
    return QStringLiteral("Diagnose w%1 g%2 %3").arg(r.wBit).arg(r.groupSize).arg(QString::fromStdString(r.method));
}

QDockWidget* dock(QMainWindow* window, const QString& title, const QString& name, QWidget* content, Qt::DockWidgetArea area)
{
    auto* d = new QDockWidget(title, window);
    d->setObjectName(name); // saveState() needs a stable name per dock
    d->setWidget(content);
    window->addDockWidget(area, d);
    return d;
}
} // namespace

MainWindow::MainWindow(bool restoreState, QWidget* parent) : QMainWindow(parent), m_persist(restoreState)
{
    setWindowTitle(tr("AWQ Workbench"));
    setWindowIcon(QIcon(QStringLiteral(":/awb/awq-workbench.png")));
    m_set = new DriftSet(this);
    m_runner = new JobRunner(this);

    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("centreTabs"));
    m_tabs->setDocumentMode(true);
    m_modelView = new ModelView(m_tabs);
    m_resultsView = new ResultsView(m_set, m_tabs);
    m_plotsView = new DriftPlotsView(m_set, m_tabs);
    m_diagnosisView = new DiagnosisView(m_set, m_tabs);
    m_sweepView = new SweepView(m_tabs);
    m_calibrationView = new CalibrationView(m_tabs);
    m_awqView = new AwqSearchView(m_tabs);
    // In the order of the work: model, calibration, sweep, then reading the results.
    m_compareView = new CompareView(m_set, m_tabs);
    m_tabs->addTab(m_modelView, tr("Model"));
    m_tabs->addTab(m_calibrationView, tr("Calibration"));
    m_tabs->addTab(m_sweepView, tr("Sweep"));
    m_tabs->addTab(m_resultsView, tr("Results"));
    m_tabs->addTab(m_plotsView, tr("Drift plots"));
    m_tabs->addTab(m_awqView, tr("AWQ search"));
    m_tabs->addTab(m_compareView, tr("Compare"));
    m_tabs->addTab(m_diagnosisView, tr("Diagnosis"));
    setCentralWidget(m_tabs);

    createDocks();
    createActions();
    m_systemStatus = new SystemStatus(this);
    statusBar()->addPermanentWidget(m_systemStatus);

    // Every failed job lands in the Issues pane under its title (never a dialog per failure).
    connect(m_runner, &JobRunner::jobQueued, this, [this](int id, const QString& title) { m_jobTitles[id] = title; });
    connect(m_runner, &JobRunner::jobFinished, this, [this](int id, bool ok, bool cancelled, const QString& error) {
        if (!ok && !cancelled) {
            ++m_failedJobs;
            m_issuesPanel->addError(m_jobTitles.value(id), error);
        }
        updateActions();
    });
    connect(m_runner, &JobRunner::jobStarted, this, [this] { updateActions(); });
    connect(m_runner, &JobRunner::progress, this, [this](int, const QString& stage, qint64 done, qint64 total, double eta) {
        statusBar()->showMessage(total > 0 ? tr("%1: %2/%3, ETA %4").arg(stage).arg(done).arg(total).arg(formatSeconds(eta)) : stage, 3000);
    });
    // Warnings arrive live from the job's context (the same ones its result lists), once each.
    connect(m_runner, &JobRunner::warning, this, [this](int id, const QString& message) { m_issuesPanel->addWarning(m_jobTitles.value(id), message); });
    connect(m_set, &DriftSet::pointsChanged, this, [this] { updateActions(); });
    connect(m_issuesPanel, &IssuesPanel::issueSelected, this, [this](const QString& m) { statusBar()->showMessage(m, 8000); });
    connect(m_diagnosisView, &DiagnosisView::finerGroupRequested, this,
            [this](int wBit, long long group, bool zeroPoint, const QString& method) {
                DiagnoseRequest r = demoRequest(m_modelPath.toStdString(), m_calibrationView->choices().checked(), wBit, group, zeroPoint, method.toStdString());
                applyBlocks(r, m_calibrationView->choices());
                runPoints({r});
            });
    connect(m_sweepView, &SweepView::startRequested, this, [this] { runSweep(); });
    connect(m_sweepView, &SweepView::cancelRequested, this, [this] {
        if (m_sweepJob > 0)
            m_runner->cancel(m_sweepJob);
    });
    connect(m_sweepView, &SweepView::openRequested, this, [this](const QString& path) { openSweepStore(path); });
    connect(m_compareView, &CompareView::importRequested, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Import an AutoAWQ checkpoint folder"));
        if (!dir.isEmpty())
            importCheckpoint(dir);
    });
    connect(m_runner, &JobRunner::progress, this, [this](int id, const QString&, qint64 done, qint64 total, double eta) {
        if (id == m_sweepJob)
            m_sweepView->overallProgress(done, total, eta);
    });
    connect(m_runner, &JobRunner::jobFinished, this, [this](int id, bool ok, bool cancelled, const QString& error) {
        if (id != m_sweepJob)
            return;
        m_sweepJob = -1;
        m_sweepView->sweepFinished(ok, ok ? tr("Sweep finished.") : cancelled ? tr("Cancelled; the points already stored stay in the store.") : error);
    });
    // Calibration: the view owns the choices; the Project tree mirrors them and ticks flow back.
    m_projectPanel->setCalibrationChoices(m_calibrationView->choices());
    connect(m_calibrationView, &CalibrationView::choicesChanged, this,
            [this] { m_projectPanel->setCalibrationChoices(m_calibrationView->choices()); });
    connect(m_projectPanel, &ProjectPanel::calibrationCheckChanged, m_calibrationView, &CalibrationView::setSourceChecked);
    connect(m_calibrationView, &CalibrationView::previewRequested, this, [this] { previewCalibration(); });
    // AWQ search: its points are the sweep table's AWQ rows; the selected drift point picks its twin.
    connect(m_sweepView->tableModel(), &QAbstractItemModel::modelReset, this, [this] { updateAwqPoints(); });
    connect(m_sweepView->tableModel(), &QAbstractItemModel::rowsInserted, this, [this] { updateAwqPoints(); });
    connect(m_awqView, &AwqSearchView::pointRequested, this, [this](const QString& store, const QString& key) { loadAwqSearch(store, key); });
    connect(m_set, &DriftSet::selectionChanged, this, [this] { followSelectedPointInAwqView(); });
    if (m_persist)
        restoreSettings();
    updateActions();
}

int MainWindow::previewCalibration()
{
    const CalibrationChoices choices = m_calibrationView->choices();
    const std::string model = m_modelPath.toStdString();
    m_calibrationView->previewStarted();
    QPointer<CalibrationView> view = m_calibrationView;
    const int id = m_runner->start(tr("Preview calibration (%1 source(s))").arg(choices.checked().size()),
                                   [this, model, choices](JobContext& job) -> std::function<void()> {
                                       auto preview = std::make_shared<const CalibrationPreviewData>(::awb::ui::previewCalibration(model, choices, job));
                                       return [this, preview] { m_calibrationView->showPreview(preview); };
                                   });
    // A failed or cancelled preview re-enables the view (the error itself goes to the Issues pane).
    whenFailed(id, [view](const QString& error) {
        if (view)
            view->previewFailed(error);
    });
    return id;
}

void MainWindow::whenFailed(int id, std::function<void(const QString&)> onFailure)
{
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(m_runner, &JobRunner::jobFinished, this, [id, connection, onFailure](int job, bool ok, bool cancelled, const QString& error) {
        if (job != id)
            return;
        QObject::disconnect(*connection);
        if (!ok)
            onFailure(cancelled ? tr("cancelled") : error);
    });
}

int MainWindow::loadAwqSearch(const QString& storePath, const QString& key)
{
    const std::string path = storePath.toStdString(), k = key.toStdString();
    const int id = m_runner->start(tr("Read AWQ search %1").arg(key), [this, path, k](JobContext&) -> std::function<void()> {
        auto data = std::make_shared<const AwqSearchData>(readAwqSearch(path, k));
        return [this, data] { m_awqView->showSearch(data); };
    });
    QPointer<AwqSearchView> view = m_awqView;
    whenFailed(id, [view](const QString& error) {
        if (view)
            view->showError(error);
    });
    return id;
}

void MainWindow::updateAwqPoints()
{
    const SweepTable& t = m_sweepView->tableModel()->table();
    QStringList keys;
    for (const SweepTableRow& r : t.rows)
        if (r.method == "awq")
            keys << QString::fromStdString(r.key);
    if (t.path.empty())
        return;
    if (keys != m_awqView->pointKeys() || QString::fromStdString(t.path) != m_awqView->storePath())
        m_awqView->setPoints(QString::fromStdString(t.path), keys);
    followSelectedPointInAwqView();
}

void MainWindow::followSelectedPointInAwqView()
{
    const DriftPointData* p = m_set->selected();
    if (!p || p->method != "awq")
        return;
    // The sweep row with the same format and method (the first calibration set when there are several).
    for (const SweepTableRow& r : m_sweepView->tableModel()->table().rows)
        if (r.method == "awq" && r.wBit == p->wBit && r.groupSize == p->groupSize && r.zeroPoint == p->zeroPoint) {
            m_awqView->selectPoint(QString::fromStdString(r.key));
            return;
        }
}

Workspace MainWindow::workspace() const
{
    Workspace w;
    w.model = m_modelPath.toStdString();
    w.calibration = m_calibrationView->choices();
    const std::string shown = m_sweepView->tableModel()->table().path;
    w.sweepStore = shown.empty() ? m_sweepView->storePath().toStdString() : shown;
    return w;
}

bool MainWindow::saveWorkspace(const QString& path)
{
    try {
        ::awb::ui::saveWorkspace(path.toStdString(), workspace());
    } catch (const std::exception& e) {
        m_issuesPanel->addError(tr("Save workspace %1").arg(QFileInfo(path).fileName()), QString::fromUtf8(e.what()));
        return false;
    }
    m_workspacePath = path;
    addRecentWorkspace(path);
    statusBar()->showMessage(tr("Workspace saved: %1").arg(path), 5000);
    return true;
}

QString MainWindow::sessionWorkspacePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/last-session.awbws");
}

bool MainWindow::openWorkspace(const QString& path, bool remember)
{
    Workspace w;
    try {
        w = loadWorkspace(path.toStdString()); // a small JSON file: read here, all or nothing
    } catch (const std::exception& e) {
        m_issuesPanel->addError(tr("Open workspace %1").arg(QFileInfo(path).fileName()), QString::fromUtf8(e.what()));
        return false;
    }
    if (remember) {
        m_workspacePath = path;
        addRecentWorkspace(path);
    }
    m_calibrationView->setChoices(w.calibration);
    const QString model = QString::fromStdString(w.model);
    if (model != m_modelPath || m_modelView->modelInfo().path.empty())
        openModel(model);
    if (!w.sweepStore.empty()) {
        const QString store = QString::fromStdString(w.sweepStore);
        m_sweepView->setStorePath(store);
        if (QFileInfo::exists(store))
            openSweepStore(store);
        else
            m_issuesPanel->addWarning(tr("Open workspace %1").arg(QFileInfo(path).fileName()),
                                      tr("%1: /sweep_store: %2 does not exist yet; a sweep will create it").arg(path, store));
    }
    statusBar()->showMessage(tr("Workspace opened: %1").arg(path), 5000);
    return true;
}

int MainWindow::runSweep()
{
    SweepRequest r = m_sweepView->gridRequest();
    r.model = m_modelPath.toStdString();
    const CalibrationChoices calibration = m_calibrationView->choices();
    r.calibrations = calibration.checked(); // each checked set is one calibration of the grid
    r.calibBlocks = calibration.blocks;
    r.calibSeqLen = calibration.seqLen;
    r.splitLongSamples = calibration.splitLongSamples;
    QPointer<SweepView> view = m_sweepView;
    // Callbacks run on the sweep's workers (serialized); they post to the view, which may be gone
    // by the time the event is delivered (QPointer). Per-point progress is throttled to 10 Hz.
    auto lastPost = std::make_shared<QElapsedTimer>();
    SweepCallbacksData callbacks;
    callbacks.started = [view](const SweepTable& header) {
        QMetaObject::invokeMethod(view, [view, header] { if (view) view->sweepStarted(header); }, Qt::QueuedConnection);
    };
    callbacks.pointProgress = [view, lastPost](const std::string& key, int64_t done, int64_t total, const std::string& stage) {
        if (lastPost->isValid() && lastPost->elapsed() < 100 && done < total)
            return;
        lastPost->start();
        const QString k = QString::fromStdString(key), st = QString::fromStdString(stage);
        QMetaObject::invokeMethod(view, [view, k, done, total, st] { if (view) view->pointProgress(k, done, total, st); }, Qt::QueuedConnection);
    };
    callbacks.pointStored = [view](const SweepTableRow& row) {
        QMetaObject::invokeMethod(view, [view, row] { if (view) view->rowStored(row); }, Qt::QueuedConnection);
    };
    const size_t points = r.wBits.size() * r.groupSizes.size() * r.zeroPoints.size() * r.methods.size();
    m_sweepJob = m_runner->start(tr("Sweep (%1 settings) → %2").arg(points).arg(QFileInfo(QString::fromStdString(r.storePath)).fileName()),
                                 [this, r, callbacks](JobContext& job) -> std::function<void()> {
                                     auto table = std::make_shared<SweepTable>(runSweepJob(r, job, callbacks));
                                     auto drift = std::make_shared<StoredDrift>(readStoredDrift(r.storePath));
                                     return [this, table, drift] {
                                         m_sweepView->showTable(*table);
                                         m_set->reset(drift->fp, drift->points);
                                     };
                                 });
    return m_sweepJob;
}

int MainWindow::openSweepStore(const QString& path)
{
    const std::string p = path.toStdString();
    return m_runner->start(tr("Open sweep store %1").arg(QFileInfo(path).fileName()), [this, p](JobContext&) -> std::function<void()> {
        auto table = std::make_shared<SweepTable>(readSweepTable(p));
        // Every point with its series: the plots, tables and report show the stored sweep.
        auto drift = std::make_shared<StoredDrift>(readStoredDrift(p));
        return [this, table, drift] {
            m_sweepView->showTable(*table);
            m_set->reset(drift->fp, drift->points);
            m_tabs->setCurrentWidget(m_sweepView);
        };
    });
}

MainWindow::~MainWindow()
{
    // The runner first: it cancels and joins the worker while every view its continuations touch
    // still exists.
    delete m_runner;
    m_runner = nullptr;
}

void MainWindow::createDocks()
{
    m_projectPanel = new ProjectPanel(m_set, this);
    m_inspectorPanel = new InspectorPanel(m_set, this);
    m_jobsPanel = new JobsPanel(m_runner, this);
    m_issuesPanel = new IssuesPanel(this);
    m_projectDock = dock(this, tr("Project"), QStringLiteral("projectDock"), m_projectPanel, Qt::LeftDockWidgetArea);
    QDockWidget* inspector = m_inspectorDock = dock(this, tr("Inspector"), QStringLiteral("inspectorDock"), m_inspectorPanel, Qt::RightDockWidgetArea);
    QDockWidget* jobs = dock(this, tr("Jobs"), QStringLiteral("jobsDock"), m_jobsPanel, Qt::BottomDockWidgetArea);
    QDockWidget* issues = dock(this, tr("Issues"), QStringLiteral("issuesDock"), m_issuesPanel, Qt::BottomDockWidgetArea);
    splitDockWidget(jobs, issues, Qt::Horizontal);
    resizeDocks({jobs}, {130}, Qt::Vertical);
    // Wide enough for a gate name and its verdict side by side (the values are what people read).
    resizeDocks({inspector}, {340}, Qt::Horizontal);
}

void MainWindow::arrangeDocksForWidth(int width)
{
    if (width < 1500) {
        addDockWidget(Qt::LeftDockWidgetArea, m_inspectorDock);
        tabifyDockWidget(m_projectDock, m_inspectorDock);
        m_projectDock->raise();
        resizeDocks({m_projectDock}, {std::min(300, width / 4)}, Qt::Horizontal);
    } else {
        addDockWidget(Qt::RightDockWidgetArea, m_inspectorDock);
        resizeDocks({m_projectDock, m_inspectorDock}, {250, 340}, Qt::Horizontal);
    }
}

void MainWindow::createActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QMenu* run = menuBar()->addMenu(tr("&Run"));
    QMenu* view = menuBar()->addMenu(tr("&View"));
    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    const QStyle* s = style();

    QAction* open = file->addAction(s->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open model file…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a llama2.c model"), QString(), tr("llama2.c models (*.bin);;All files (*)"));
        if (!path.isEmpty())
            openModel(path);
    });
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Open a llama2.c model file (Ctrl+O)"));
    QAction* openDir = file->addAction(s->standardIcon(QStyle::SP_DirOpenIcon), tr("Open model &folder…"), this, [this] {
        const QString path = QFileDialog::getExistingDirectory(this, tr("Open a Hugging Face or AutoAWQ folder"));
        if (!path.isEmpty())
            openModel(path);
    });
    openDir->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    QAction* embedded = file->addAction(tr("Open the &embedded stories260K"), this, [this] { openModel(QString()); });
    m_recentMenu = file->addMenu(tr("&Recent models"));
    QAction* calib = file->addAction(tr("Add &calibration file…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Add a calibration text"), QString(), tr("Text or JSONL (*.txt *.jsonl);;All files (*)"));
        if (!path.isEmpty())
            m_calibrationView->addFile(path);
    });
    calib->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    file->addSeparator();
    QAction* openWs = file->addAction(tr("Open &workspace…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a workspace"), QString(), tr("Workspaces (*.awbws *.json);;All files (*)"));
        if (!path.isEmpty())
            openWorkspace(path);
    });
    openWs->setShortcut(QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O));
    auto saveAs = [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save the workspace"), QStringLiteral("workspace.awbws"), tr("Workspaces (*.awbws)"));
        if (!path.isEmpty())
            saveWorkspace(path);
    };
    file->addAction(tr("&Save workspace"), this, [this, saveAs] {
        if (m_workspacePath.isEmpty())
            saveAs();
        else
            saveWorkspace(m_workspacePath);
    })->setShortcut(QKeySequence::Save);
    file->addAction(tr("Save workspace &as…"), this, saveAs)->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    m_recentWorkspacesMenu = file->addMenu(tr("Recent &workspaces"));
    file->addSeparator();
    m_exportCheckpointAction = file->addAction(s->standardIcon(QStyle::SP_DialogSaveButton), tr("Export &checkpoint…"), this, [this] {
        const QString dir = QFileDialog::getSaveFileName(this, tr("Export the selected point as an AutoAWQ folder"), QStringLiteral("awq-checkpoint"));
        if (!dir.isEmpty())
            exportCheckpoint(dir);
    });
    m_exportCheckpointAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    m_exportReportAction = file->addAction(s->standardIcon(QStyle::SP_FileDialogDetailedView), tr("Export &report…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export the drift report"), QStringLiteral("drift-report.pdf"), tr("PDF (*.pdf)"));
        if (!path.isEmpty())
            exportReport(path, QFileInfo(path).absolutePath() + QStringLiteral("/") + QFileInfo(path).completeBaseName() + QStringLiteral("-plots"));
    });
    m_exportReportAction->setShortcut(QKeySequence::Print);
    file->addSeparator();
    file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

    m_runAction = run->addAction(s->standardIcon(QStyle::SP_MediaPlay), tr("&Run w3/w4 × g32/g64"), this, [this] { runDemo(); });
    m_runAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    m_runAction->setToolTip(tr("Quantize and diagnose w3/w4 × g32/g64 AWQ points on the checked calibration sets (Ctrl+R)"));
    QAction* sweep = run->addAction(s->standardIcon(QStyle::SP_BrowserReload), tr("Run s&weep"), this, [this] {
        m_tabs->setCurrentWidget(m_sweepView);
        runSweep();
    });
    sweep->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    sweep->setToolTip(tr("Run the Sweep tab's grid into its HDF5 store (Ctrl+Shift+R)"));
    QAction* openStore = file->addAction(tr("Open s&weep store…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open a sweep store"), QString(), tr("HDF5 (*.h5)"));
        if (!path.isEmpty())
            openSweepStore(path);
    });
    Q_UNUSED(openStore);
    QAction* calibrate = run->addAction(s->standardIcon(QStyle::SP_FileDialogContentsView), tr("Preview &calibration"), this, [this] {
        m_tabs->setCurrentWidget(m_calibrationView);
        previewCalibration();
    });
    calibrate->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    calibrate->setToolTip(tr("Preview the checked calibration sets: samples, token counts and sanity against the target (Ctrl+Shift+P)"));
    calibrate->setIconText(tr("Calibration"));
    m_stopAction = run->addAction(s->standardIcon(QStyle::SP_MediaStop), tr("&Stop"), this, [this] { m_runner->cancelAll(); });
    m_stopAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
    m_stopAction->setToolTip(tr("Cancel every queued and running job (Ctrl+.)"));

    bar->addAction(open);
    bar->addAction(openDir);
    bar->addSeparator();
    bar->addAction(calibrate);
    bar->addAction(m_runAction);
    bar->addAction(sweep);
    bar->addAction(m_stopAction);
    bar->addSeparator();
    bar->addAction(m_exportCheckpointAction);
    bar->addAction(m_exportReportAction);
    Q_UNUSED(embedded);

    for (int i = 0; i < m_tabs->count(); ++i) {
        QAction* a = view->addAction(m_tabs->tabText(i), this, [this, i] { m_tabs->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(Qt::ALT | (Qt::Key_1 + i)));
    }
    view->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>())
        view->addAction(d->toggleViewAction());
    rebuildRecentMenu();
    rebuildRecentWorkspacesMenu();
}

void MainWindow::updateActions()
{
    if (!m_runAction)
        return;
    const bool busy = m_runner && m_runner->isBusy();
    m_stopAction->setEnabled(busy);
    m_exportCheckpointAction->setEnabled(m_set->selected() != nullptr);
    m_exportReportAction->setEnabled(!m_set->points().empty());
}

int MainWindow::openModel(const QString& path)
{
    const std::string p = path.toStdString();
    const QString title = tr("Open %1").arg(path.isEmpty() ? tr("embedded stories260K") : QFileInfo(path).fileName());
    return m_runner->start(title, [this, p, path, title](JobContext& job) -> std::function<void()> {
        job.report(0, 1, "inspect model");
        auto info = std::make_shared<ModelInfo>(inspectModelInfo(p));
        job.report(1, 1, "inspect model");
        return [this, info, path] {
            m_modelPath = path;
            m_modelView->setModelInfo(*info);
            m_projectPanel->setModelPath(QString::fromStdString(info->path),
                                         tr("%1 · %2 parameters").arg(QString::fromStdString(info->dtype), humanCount(info->parameters)));
            setWindowTitle(tr("AWQ Workbench — %1").arg(QFileInfo(QString::fromStdString(info->path)).fileName()));
            if (!path.isEmpty())
                addRecentFile(path);
            // A new model invalidates points measured on another one.
            if (m_set->fp() && m_set->fp()->modelPath != info->path)
                m_set->clear();
        };
    });
}

std::vector<int> MainWindow::runPoints(const std::vector<DiagnoseRequest>& requests)
{
    std::vector<int> ids;
    for (const DiagnoseRequest& r : requests) {
        const QString title = pointTitle(r);
        ids.push_back(m_runner->start(title, [this, r](JobContext& job) -> std::function<void()> {
            auto result = std::make_shared<DiagnosedPoint>(diagnosePoint(r, job));
            return [this, result, r] {
                m_requests[result->point.label] = r;
                if (!m_set->fp() || m_set->fp()->modelPath != result->fp.modelPath)
                    m_set->setFp(std::make_shared<const FpData>(result->fp));
                m_set->addPoint(std::make_shared<const DriftPointData>(result->point));
            };
        }));
    }
    return ids;
}

int MainWindow::importCheckpoint(const QString& dir)
{
    DiagnoseRequest r = demoRequest(m_modelPath.toStdString(), m_calibrationView->choices().checked(), 4, 128);
    r.quantDir = dir.toStdString();
    return runPoints({r}).front();
}

std::vector<int> MainWindow::runDemo()
{
    const CalibrationChoices calibration = m_calibrationView->choices();
    std::vector<DiagnoseRequest> requests = demoRequests(m_modelPath.toStdString(), calibration.checked());
    for (DiagnoseRequest& r : requests)
        applyBlocks(r, calibration);
    return runPoints(requests);
}

int MainWindow::exportCheckpoint(const QString& outDir)
{
    const DriftPointData* p = m_set->selected();
    if (!p) {
        m_issuesPanel->addError(tr("Export checkpoint"), tr("select a point first (Results or Project tree)"));
        return -1;
    }
    if (!p->importedFrom.empty()) {
        m_issuesPanel->addError(tr("Export checkpoint"), tr("%1 is an imported checkpoint already: its folder is %2")
                                                             .arg(QString::fromStdString(p->label), QString::fromStdString(p->importedFrom)));
        return -1;
    }
    CheckpointRequest c;
    if (p->method == "awq" && !p->storeKey.empty()) {
        c.storePath = p->storePath;
        c.pointKey = p->storeKey;
    }
    const bool stored = !c.storePath.empty();
    const auto& known = m_requests;
    const auto it = known.find(p->label);
    c.model = m_modelPath.toStdString();
    c.method = p->method;
    c.wBit = p->wBit;
    c.groupSize = p->groupSize;
    c.zeroPoint = p->zeroPoint;
    if (it != known.end()) {
        c.model = it->second.model;
        c.calibration = it->second.calibration;
        c.calibBlocks = it->second.calibBlocks;
        c.calibSeqLen = it->second.calibSeqLen;
        c.splitLongSamples = it->second.splitLongSamples;
    }
    if (stored && m_set->fp())
        c.model = m_set->fp()->modelPath; // the sweep's own FP model
    c.outDir = outDir.toStdString();
    const QString title = tr("Export %1 → %2").arg(QString::fromStdString(p->label), QFileInfo(outDir).fileName());
    return m_runner->start(title, [this, c](JobContext& job) -> std::function<void()> {
        auto r = std::make_shared<CheckpointResult>(::awb::ui::exportCheckpoint(c, job));
        return [this, r] {
            statusBar()->showMessage(tr("Checkpoint written to %1 (%2 files)").arg(QString::fromStdString(r->outDir)).arg(r->files.size()), 8000);
        };
    });
}

bool MainWindow::exportReport(const QString& pdfPath, const QString& pngDir)
{
    ReportOptions o;
    o.pdfPath = pdfPath;
    o.pngDir = pngDir;
    o.modelLabel = m_modelView->modelInfo().path.empty() ? tr("embedded stories260K") : QString::fromStdString(m_modelView->modelInfo().path);
    const ReportResult r = writeDriftReport(m_set, o);
    if (!r.ok)
        m_issuesPanel->addError(tr("Export report"), r.error);
    else
        statusBar()->showMessage(tr("Report written: %1 (%2 pages, %3 files)").arg(pdfPath).arg(r.pages).arg(r.files.size()), 8000);
    return r.ok;
}

QStringList MainWindow::saveViewScreenshots(const QString& dir)
{
    QDir().mkpath(dir);
    QStringList written;
    const int current = m_tabs->currentIndex();
    for (int i = 0; i < m_tabs->count(); ++i) {
        m_tabs->setCurrentIndex(i);
        for (DriftPlot* plot : m_plotsView->plots())
            plot->plot()->replot(QCustomPlot::rpImmediateRefresh);
        const QString name = m_tabs->widget(i)->objectName().toLower();
        const QString path = QDir(dir).filePath(QStringLiteral("view-%1.png").arg(name));
        if (grab().save(path))
            written << path;
        // A view's own tabs beyond the first (Results: the ΔS table per case) get a shot each too.
        if (auto* inner = m_tabs->widget(i)->findChild<QTabWidget*>()) {
            for (int t = 1; t < inner->count(); ++t) {
                inner->setCurrentIndex(t);
                const QString sub = QDir(dir).filePath(QStringLiteral("view-%1-%2.png").arg(name, inner->widget(t)->objectName().toLower()));
                if (grab().save(sub))
                    written << sub;
            }
            inner->setCurrentIndex(0);
        }
    }
    m_tabs->setCurrentIndex(current);
    return written;
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    // Cancel and wait here, while the window can still say so: core jobs stop at their next check
    // (between blocks or windows), so this is short, and no half-made result is applied.
    if (m_runner->isBusy()) {
        statusBar()->showMessage(tr("Stopping the running job…"));
        m_runner->cancelAll();
        m_runner->waitForIdle(60000);
    }
    if (m_persist) {
        saveSettings();
        // The session's workspace, for the next start. A failure costs only that convenience: say so
        // on stderr, never block closing.
        try {
            QDir().mkpath(QFileInfo(sessionWorkspacePath()).absolutePath());
            ::awb::ui::saveWorkspace(sessionWorkspacePath().toStdString(), workspace());
        } catch (const std::exception& e) {
            qWarning("awq-workbench: the session was not saved: %s", e.what());
        }
    }
    event->accept();
}

void MainWindow::restoreSettings()
{
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    m_restoredLayout = restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    for (QSplitter* sp : findChildren<QSplitter*>())
        if (!sp->objectName().isEmpty())
            sp->restoreState(s.value(QStringLiteral("splitters/") + sp->objectName()).toByteArray());
    m_tabs->setCurrentIndex(s.value(QStringLiteral("window/tab"), 0).toInt());
}

void MainWindow::saveSettings() const
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("window/tab"), m_tabs->currentIndex());
    s.setValue(QStringLiteral("workspace/model"), m_modelPath);
    for (QSplitter* sp : findChildren<QSplitter*>())
        if (!sp->objectName().isEmpty())
            s.setValue(QStringLiteral("splitters/") + sp->objectName(), sp->saveState());
}

void MainWindow::addRecentFile(const QString& path)
{
    if (!m_persist)
        return;
    QSettings s;
    QStringList recent = s.value(QStringLiteral("recent/models")).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    s.setValue(QStringLiteral("recent/models"), recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = m_persist ? QSettings().value(QStringLiteral("recent/models")).toStringList() : QStringList();
    for (const QString& path : recent)
        m_recentMenu->addAction(path, this, [this, path] { openModel(path); });
    m_recentMenu->setEnabled(!recent.isEmpty());
}

} // namespace awb::ui

namespace awb::ui {

void MainWindow::addRecentWorkspace(const QString& path)
{
    if (!m_persist)
        return;
    QSettings s;
    QStringList recent = s.value(QStringLiteral("recent/workspaces")).toStringList();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    s.setValue(QStringLiteral("recent/workspaces"), recent);
    rebuildRecentWorkspacesMenu();
}

void MainWindow::rebuildRecentWorkspacesMenu()
{
    m_recentWorkspacesMenu->clear();
    const QStringList recent = m_persist ? QSettings().value(QStringLiteral("recent/workspaces")).toStringList() : QStringList();
    for (int i = 0; i < recent.size(); ++i) {
        const QString path = recent[i];
        QAction* a = m_recentWorkspacesMenu->addAction(QStringLiteral("&%1 %2").arg(i + 1).arg(path), this, [this, path] { openWorkspace(path); });
        a->setToolTip(path);
    }
    m_recentWorkspacesMenu->setEnabled(!recent.isEmpty());
}

} // namespace awb::ui
