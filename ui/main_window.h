#pragma once
// The workbench window (docs/GUI.md): Project dock (left), tabbed views (Model, Calibration, Sweep,
// Results, Drift plots, AWQ search, Diagnosis), Inspector dock (right), Jobs and Issues docks (bottom), a toolbar with
// shortcuts and a status bar with the device line. Every long action runs through the JobRunner;
// results land in the DriftSet that every view observes. Window geometry, dock state, splitter
// sizes and recent files persist in QSettings. GUI thread only.
#include "ui/drift_point.h"
#include "ui/workspace.h"

#include <QHash>
#include <QMainWindow>

#include <functional>

#include <map>
#include <string>
#include <vector>

class QAction;
class QDockWidget;
class QMenu;
class QTabWidget;

namespace awb::ui {

class AwqSearchView;
class CalibrationView;
class CompareView;
class DiagnosisView;
class DriftPlotsView;
class DriftSet;
class InspectorPanel;
class IssuesPanel;
class JobRunner;
class JobsPanel;
class ModelView;
class ProjectPanel;
class ResultsView;
class SweepView;
class SystemStatus;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // restoreState: read geometry, docks and recent files from QSettings (off for the demo and
    // tests, whose screenshots must not depend on the last session).
    explicit MainWindow(bool restoreState = true, QWidget* parent = nullptr);
    ~MainWindow() override; // cancels and waits for any running job before the views go

    // Queue an inspect job for a model (empty = the embedded stories260K). Returns the job id.
    int openModel(const QString& path);
    // Queue one diagnose job per request. Returns the job ids.
    std::vector<int> runPoints(const std::vector<DiagnoseRequest>& requests);
    // The demo's four points on the open model with the checked calibration sets.
    std::vector<int> runDemo();
    // Queue a sweep of the Sweep view's grid on the open model and the checked calibration sets;
    // rows appear in the Sweep view as points are stored. Returns the job id.
    int runSweep();
    // Queue reading a sweep store into the Sweep view. Returns the job id.
    int openSweepStore(const QString& path);
    // Diagnose an AutoAWQ folder (ours or AutoAWQ's) against the open model; it becomes a point.
    int importCheckpoint(const QString& dir);
    // Queue an AutoAWQ export of the selected point (RTN/AWQ as the point was made) into outDir.
    int exportCheckpoint(const QString& outDir);
    // Writes the reviewer's PDF (and PNGs of each plot into pngDir when given) now, on this thread.
    bool exportReport(const QString& pdfPath, const QString& pngDir = {});
    // Queue the calibration preview of the Calibration view's choices. Returns the job id.
    int previewCalibration();
    // Queue reading one AWQ point's search history from a sweep store into the AWQ search view.
    int loadAwqSearch(const QString& storePath, const QString& key);
    // The workspace as it stands (model, calibration choices, sweep store).
    Workspace workspace() const;
    // Writes it atomically; a failure goes to the Issues pane. Returns success.
    bool saveWorkspace(const QString& path);
    // Reads a workspace and applies it (opens its model and store on the runner); a bad file goes to
    // the Issues pane naming the file and field and changes nothing. remember: make it the current
    // workspace and a recent file (not for the session's own file). Returns success.
    bool openWorkspace(const QString& path, bool remember = true);
    // The session's workspace: written on close (persisting windows only) and reopened by the next
    // start, so the calibration choices and sweep store come back with the model.
    static QString sessionWorkspacePath();
    // Saves one PNG per centre view into dir (view-<name>.png) and returns the paths.
    QStringList saveViewScreenshots(const QString& dir);

    // The first-start dock layout for a window this wide: below 1500 px the Inspector shares the
    // left dock area with Project as a tab, so the plots keep ~1000 px (legible at 1280×800).
    void arrangeDocksForWidth(int width);
    // Whether QSettings held a saved window layout that the constructor restored.
    bool restoredLayout() const { return m_restoredLayout; }

    JobRunner* runner() const { return m_runner; }
    DriftSet* driftSet() const { return m_set; }
    ModelView* modelView() const { return m_modelView; }
    ResultsView* resultsView() const { return m_resultsView; }
    DriftPlotsView* driftPlotsView() const { return m_plotsView; }
    DiagnosisView* diagnosisView() const { return m_diagnosisView; }
    SweepView* sweepView() const { return m_sweepView; }
    CalibrationView* calibrationView() const { return m_calibrationView; }
    AwqSearchView* awqSearchView() const { return m_awqView; }
    QString workspacePath() const { return m_workspacePath; }
    CompareView* compareView() const { return m_compareView; }
    JobsPanel* jobsPanel() const { return m_jobsPanel; }
    IssuesPanel* issuesPanel() const { return m_issuesPanel; }
    QTabWidget* tabs() const { return m_tabs; }
    QString modelPath() const { return m_modelPath; }
    int failedJobs() const { return m_failedJobs; }

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    void createDocks();
    void restoreSettings();
    void saveSettings() const;
    void addRecentFile(const QString& path);
    void rebuildRecentMenu();
    void addRecentWorkspace(const QString& path);
    void rebuildRecentWorkspacesMenu();
    void updateAwqPoints();
    // Calls onFailure(error or "cancelled") on the GUI thread if job `id` does not succeed.
    void whenFailed(int id, std::function<void(const QString&)> onFailure);
    void followSelectedPointInAwqView();
    void updateActions();

    QString m_modelPath; // empty = embedded
    DriftSet* m_set;
    JobRunner* m_runner;
    QTabWidget* m_tabs;
    ModelView* m_modelView;
    ResultsView* m_resultsView;
    DriftPlotsView* m_plotsView;
    DiagnosisView* m_diagnosisView;
    SweepView* m_sweepView;
    CalibrationView* m_calibrationView;
    AwqSearchView* m_awqView;
    CompareView* m_compareView;
    int m_sweepJob = -1;
    QString m_workspacePath;
    ProjectPanel* m_projectPanel;
    InspectorPanel* m_inspectorPanel;
    JobsPanel* m_jobsPanel;
    IssuesPanel* m_issuesPanel;
    SystemStatus* m_systemStatus;
    QDockWidget* m_projectDock = nullptr;
    QDockWidget* m_inspectorDock = nullptr;
    bool m_restoredLayout = false;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_recentWorkspacesMenu = nullptr;
    QAction* m_runAction = nullptr;
    QAction* m_stopAction = nullptr;
    QAction* m_exportCheckpointAction = nullptr;
    QAction* m_exportReportAction = nullptr;
    std::map<std::string, DiagnoseRequest> m_requests; // per point label: what made it, so an export repeats it
    QHash<int, QString> m_jobTitles;
    bool m_persist;
    int m_failedJobs = 0;
};

} // namespace awb::ui
