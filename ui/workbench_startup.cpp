#include "ui/workbench_startup.h"

#include "ui/awq_search_view.h"
#include "ui/drift_plots_view.h"
#include "ui/drift_set.h"
#include "ui/job_runner.h"
#include "ui/main_window.h"
#include "ui/sweep_view.h"

#include "core/base/runtime.h"
#include "core/base/version.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QScreen>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

namespace awb::ui {

namespace {
// Lets layouts and queued replots settle before a grab (the demo driver only; the window itself
// never spins the event loop).
void settle(int ms)
{
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// The demo's most instructive point to show first: the one failing the most gates.
int worstPoint(const DriftSet& set)
{
    int worst = set.points().empty() ? -1 : 0;
    for (int i = 0; i < int(set.points().size()); ++i)
        if (set.points()[i]->gatesPassed() - int(set.points()[i]->gates.size()) <
            set.points()[worst]->gatesPassed() - int(set.points()[worst]->gates.size()))
            worst = i;
    return worst;
}
} // namespace

int runWorkbench(QApplication& app)
{
    QApplication::setOrganizationName(QStringLiteral("AWQ Workbench"));
    QApplication::setApplicationName(QStringLiteral("awq-workbench"));
    QApplication::setApplicationVersion(QString::fromUtf8(awbVersion()));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/awb/awq-workbench.png")));
    configureRuntime();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("AWQ Workbench: quantize LLaMA-family models and review their drift against FP."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("model"), QStringLiteral("llama2.c file or Hugging Face / AutoAWQ folder (default: the last one, or the embedded stories260K)"),
                                 QStringLiteral("[model]"));
    const QCommandLineOption demo(QStringLiteral("run-demo"), QStringLiteral("Preview the calibration, run the demo points (w3/w4 × g32/g64 AWQ) and sweep, fill every view, then exit."));
    const QCommandLineOption shot(QStringLiteral("screenshot"), QStringLiteral("With --run-demo: save the main window as this PNG."), QStringLiteral("FILE.png"));
    const QCommandLineOption views(QStringLiteral("screenshot-views"), QStringLiteral("With --run-demo: save one PNG per view into DIR."), QStringLiteral("DIR"));
    const QCommandLineOption report(QStringLiteral("report"), QStringLiteral("With --run-demo: write the reviewer's PDF (and plot PNGs beside it)."), QStringLiteral("FILE.pdf"));
    const QCommandLineOption size(QStringLiteral("window-size"), QStringLiteral("Window size, e.g. 1600x1000 (default: the screen's)."), QStringLiteral("WxH"));
    parser.addOptions({demo, shot, views, report, size});
    parser.process(app);

    const bool runDemo = parser.isSet(demo);
    if (!runDemo && (parser.isSet(shot) || parser.isSet(views) || parser.isSet(report))) {
        std::fprintf(stderr, "awq-workbench: --screenshot, --screenshot-views and --report need --run-demo\n");
        return 2;
    }
    // The demo starts clean: its screenshots must not depend on the last session's layout.
    MainWindow window(!runDemo);
    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split(QLatin1Char('x'));
        if (wh.size() != 2 || wh[0].toInt() < 400 || wh[1].toInt() < 300) {
            std::fprintf(stderr, "awq-workbench: --window-size: expected WIDTHxHEIGHT (at least 400x300), got '%s'\n", qPrintable(parser.value(size)));
            return 2;
        }
        window.resize(wh[0].toInt(), wh[1].toInt());
    } else if (runDemo && window.screen()) {
        window.resize(window.screen()->availableGeometry().size());
    }
    if (!window.restoredLayout())
        window.arrangeDocksForWidth(runDemo || parser.isSet(size) || !window.screen() ? window.width()
                                                                                   : window.screen()->availableGeometry().width());
    window.show();

    QString model = parser.positionalArguments().value(0);
    const QString session = MainWindow::sessionWorkspacePath();
    if (model.isEmpty() && !runDemo && QFileInfo::exists(session)) {
        // The last session: its model, calibration choices and sweep store. A bad file is listed in
        // the Issues pane; the embedded model opens instead.
        if (!window.openWorkspace(session, false))
            window.openModel(QString());
    } else {
        if (model.isEmpty() && !runDemo)
            model = QSettings().value(QStringLiteral("workspace/model")).toString(); // empty on first start: the embedded model
        window.openModel(model);
    }
    if (!runDemo)
        return app.exec();

    window.previewCalibration(); // the Calibration view: samples, lengths and sanity of the demo's set
    window.runDemo();
    // The same grid as a sweep (one FP reference shared by the points) into a fresh store, so the
    // Sweep view fills too; the drift plots read the diagnoses' series (the store keeps them in
    // HDF5, for which the workbench has no series reader yet).
    QTemporaryDir sweepDir;
    if (sweepDir.isValid()) {
        window.sweepView()->setStorePath(sweepDir.filePath(QStringLiteral("demo-sweep.h5")));
        window.runSweep();
    }
    if (!window.runner()->waitForIdle(15 * 60 * 1000)) {
        std::fprintf(stderr, "awq-workbench: the demo did not finish within 15 minutes\n");
        return 1;
    }
    // The AWQ search view reads its point when shown and follows the selection: let it read the
    // worst point's search from the store before the screenshots.
    window.tabs()->setCurrentWidget(window.awqSearchView());
    window.driftSet()->select(worstPoint(*window.driftSet()));
    window.runner()->waitForIdle(60 * 1000);
    window.tabs()->setCurrentWidget(window.driftPlotsView()); // what the demo is for
    settle(300);
    int status = window.failedJobs() > 0 ? 1 : 0;
    if (status)
        std::fprintf(stderr, "awq-workbench: %d demo job(s) failed; see the Issues pane in the screenshot\n", window.failedJobs());
    if (parser.isSet(views)) {
        const QStringList written = window.saveViewScreenshots(parser.value(views));
        for (const QString& f : written)
            std::printf("%s\n", qPrintable(f));
        if (written.size() < window.tabs()->count()) { // a view may add PNGs of its own (Results: the cases table)
            std::fprintf(stderr, "awq-workbench: %s: could not write every view's PNG\n", qPrintable(parser.value(views)));
            status = 1;
        }
        window.tabs()->setCurrentWidget(window.driftPlotsView());
        settle(100);
    }
    if (parser.isSet(report)) {
        const QFileInfo pdf(parser.value(report));
        if (!window.exportReport(pdf.filePath(), pdf.absolutePath() + QStringLiteral("/") + pdf.completeBaseName() + QStringLiteral("-plots"))) {
            std::fprintf(stderr, "awq-workbench: %s: the report could not be written\n", qPrintable(pdf.filePath()));
            status = 1;
        } else {
            std::printf("%s\n", qPrintable(pdf.filePath()));
        }
    }
    if (parser.isSet(shot)) {
        const QString path = parser.value(shot);
        if (!QFileInfo(path).absoluteDir().exists())
            QDir().mkpath(QFileInfo(path).absolutePath());
        if (!window.grab().save(path)) {
            std::fprintf(stderr, "awq-workbench: %s: cannot write the screenshot\n", qPrintable(path));
            status = 1;
        } else {
            std::printf("%s\n", qPrintable(path));
        }
    }
    window.close();
    return status;
}

} // namespace awb::ui
