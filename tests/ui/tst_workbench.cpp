// The main window's flows, offscreen, on the embedded model: open a model (and a bad one), run a
// point and check every view's model, cancel a run, export a checkpoint and the PDF report, and
// close the window while a job runs.
#include "ui/compare_table_model.h"
#include "ui/compare_view.h"
#include "ui/demo_plan.h"
#include "ui/diagnosis_view.h"
#include "ui/drift_plot.h"
#include "ui/drift_plots_view.h"
#include "ui/drift_set.h"
#include "ui/drift_table_models.h"
#include "ui/issues_panel.h"
#include "ui/job_runner.h"
#include "ui/jobs_panel.h"
#include "ui/main_window.h"
#include "ui/model_view.h"
#include "ui/results_view.h"
#include "ui/sweep_table_model.h"
#include "ui/sweep_view.h"

#include "core/store/sweep_store.h"

#include <QComboBox>

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace awb::ui;

class TestWorkbench : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void opensTheEmbeddedModel();
    void aBadModelBecomesAnIssueNamingTheFile();
    void aPointFillsEveryView();
    void exportsACheckpointAndAReport();
    void aSweepFillsItsTableAndReopensFromTheStore();
    void comparesTwoPoints();
    void exportsAStoredPointWithItsOwnSearch();
    void cancelStopsARun();
    void cancellingASweepKeepsWhatItStored();
    void closingDuringAJobCancelsIt();

private:
    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_dir;
};

void TestWorkbench::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // QSettings go to a test location
    QVERIFY(m_dir.isValid());
    m_window = std::make_unique<MainWindow>(false);
    m_window->resize(1280, 800);
    m_window->show();
}

void TestWorkbench::opensTheEmbeddedModel()
{
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    m_window->openModel(QString());
    QVERIFY(m_window->runner()->waitForIdle(60000));
    QCOMPARE(finished.count(), 1);
    QVERIFY2(finished[0][1].toBool(), qPrintable(finished[0][3].toString()));
    const ModelInfo& info = m_window->modelView()->modelInfo();
    QVERIFY(QString::fromStdString(info.path).endsWith(QStringLiteral("stories260K.bin")));
    QCOMPARE(info.format, std::string("llama2.c"));
    // stories260K: 5 layers of 9 tensors each plus embeddings and the final norm.
    QStandardItemModel* arch = m_window->modelView()->architectureModel();
    bool sawLayers = false;
    for (int r = 0; r < arch->rowCount(); ++r)
        if (arch->item(r, 0)->text() == QStringLiteral("layers")) {
            QCOMPARE(arch->item(r, 1)->text(), QStringLiteral("5"));
            sawLayers = true;
        }
    QVERIFY(sawLayers);
    QCOMPARE(m_window->modelView()->tensorModel()->rowCount(), int(info.tensors.size()));
    QVERIFY(m_window->modelView()->tensorModel()->rowCount() >= 5 * 9 + 2);
    QCOMPARE(m_window->jobsPanel()->stateText(finished[0][0].toInt()), QStringLiteral("done"));
}

void TestWorkbench::aBadModelBecomesAnIssueNamingTheFile()
{
    const QString bad = m_dir.filePath(QStringLiteral("broken.bin"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not a model");
    f.close();
    const int errorsBefore = m_window->issuesPanel()->errorCount();
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    m_window->openModel(bad);
    QVERIFY(m_window->runner()->waitForIdle(30000));
    QCOMPARE(finished.count(), 1);
    QVERIFY(!finished[0][1].toBool());
    QVERIFY(m_window->issuesPanel()->errorCount() > errorsBefore);
    QVERIFY2(m_window->issuesPanel()->messageAt(0).contains(QStringLiteral("broken.bin")), qPrintable(m_window->issuesPanel()->messageAt(0)));
    QVERIFY(QString::fromStdString(m_window->modelView()->modelInfo().path).endsWith(QStringLiteral("stories260K.bin")));
}

void TestWorkbench::aPointFillsEveryView()
{
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    m_window->runPoints({demoRequest({}, {}, 4, 64)});
    QVERIFY(m_window->runner()->waitForIdle(180000));
    QCOMPARE(finished.count(), 1);
    QVERIFY2(finished[0][1].toBool(), qPrintable(finished[0][3].toString()));

    DriftSet* set = m_window->driftSet();
    QCOMPARE(int(set->points().size()), 1);
    QVERIFY(set->fp());
    const DriftPointData& p = *set->points()[0];
    QCOMPARE(p.label, std::string("w4 g64 zp awq"));
    QVERIFY(p.pplQ > 1.0 && p.pplF > 1.0);
    QVERIFY(!p.gates.empty());
    QCOMPARE(p.linears.size(), size_t(7));
    QCOMPARE(p.layers, int64_t(5));
    QCOMPARE(p.layerError.size(), size_t(35));
    QVERIFY(!set->fp()->fp.entropyBlocks.empty());
    QCOMPARE(set->fp()->fp.entropyBlocks.size(), p.q.entropyBlocks.size());
    QCOMPARE(p.q.anchorDeltaS.size(), set->fp()->caseNames.size());
    QCOMPARE(p.q.lambdaRuns.size(), set->fp()->caseNames.size());

    // Results: one row; Diagnosis: one row per gate.
    QCOMPARE(m_window->resultsView()->pointsModel()->rowCount(), 1);
    QCOMPARE(m_window->diagnosisView()->gatesModel()->rowCount(), int(p.gates.size()));
    QCOMPARE(m_window->diagnosisView()->diagnosisModel()->rowCount(), int(p.diagnosis.size()));
    // Plots: entropy = F + 1 point, triangulation = band, floor, diagonal, F, point; heatmap = 1 map.
    const auto& plots = m_window->driftPlotsView()->plots();
    QCOMPARE(plots.size(), size_t(4));
    QCOMPARE(plots[0]->seriesCount(), 2);
    QCOMPARE(plots[1]->seriesCount(), 5);
    QCOMPARE(plots[2]->seriesCount(), 1);
    QVERIFY(plots[3]->csv().count(QLatin1Char('\n')) > 1);
}

void TestWorkbench::exportsACheckpointAndAReport()
{
    QVERIFY(m_window->driftSet()->selected());
    const QString pdf = m_dir.filePath(QStringLiteral("report.pdf"));
    const QString pngs = m_dir.filePath(QStringLiteral("plots"));
    QVERIFY(m_window->exportReport(pdf, pngs));
    QFile file(pdf);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.read(5) == "%PDF-");
    QVERIFY(file.size() > 20000);
    QVERIFY(!QFile::exists(pdf + QStringLiteral(".tmp")));
    QCOMPARE(QDir(pngs).entryList({QStringLiteral("*.png")}).size(), 5); // one per plot

    const QString out = m_dir.filePath(QStringLiteral("checkpoint"));
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    QVERIFY(m_window->exportCheckpoint(out) > 0);
    QVERIFY(m_window->runner()->waitForIdle(180000));
    QCOMPARE(finished.count(), 1);
    QVERIFY2(finished[0][1].toBool(), qPrintable(finished[0][3].toString()));
    QVERIFY(QFile::exists(out + QStringLiteral("/config.json")));
    const QStringList tensors = QDir(out).entryList({QStringLiteral("*.safetensors")});
    QVERIFY(!tensors.isEmpty());
    QFile config(out + QStringLiteral("/config.json"));
    QVERIFY(config.open(QIODevice::ReadOnly));
    const QByteArray json = config.readAll();
    QVERIFY(json.contains("\"quantization_config\""));
    QVERIFY(json.contains("\"q_group_size\": 64") || json.contains("\"group_size\": 64"));
}

void TestWorkbench::aSweepFillsItsTableAndReopensFromTheStore()
{
    SweepView* view = m_window->sweepView();
    view->setChecked({3, 4}, {64}); // two points: w3/w4 g64 AWQ on the checked TinyStories set
    auto* search = view->findChild<QComboBox*>(QStringLiteral("sweepSearch"));
    QVERIFY(search);
    search->setCurrentIndex(2); // llm-awq's search with the alpha screen
    const QString store = m_dir.filePath(QStringLiteral("sweep.h5"));
    view->setStorePath(store);
    SweepTableModel* model = view->tableModel();
    QSignalSpy inserted(model, &QAbstractItemModel::rowsInserted); // rows arrive one by one, not in a reset
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    m_window->runSweep();
    QVERIFY(m_window->runner()->waitForIdle(180000));
    QCOMPARE(finished.count(), 1);
    QVERIFY2(finished[0][1].toBool(), qPrintable(finished[0][3].toString()));
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(model->table().rows[1].key, std::string("awq-w4-g64-zp-tinystories"));
    const int bits = model->table().column("bits_per_weight");
    QVERIFY(bits >= 0);
    QVERIFY(model->table().rows[1].values[bits] > 4.0 && model->table().rows[1].values[bits] < 5.0);
    QVERIFY(QFile::exists(store));
    const nlohmann::json plan = awb::readSweepStore(store.toStdString()).header.plan["search"];
    QCOMPARE(plan["scale_screen"]["every"].get<int>(), 4);
    QVERIFY(!plan.contains("feed") && !plan.contains("scaling")); // fp and activation

    // The finished sweep's points, with every series, fill the drift views.
    DriftSet* set = m_window->driftSet();
    QCOMPARE(int(set->points().size()), 2);
    QCOMPARE(set->points()[1]->label, std::string("w4 g64 zp awq"));
    const int cases = int(set->fp()->caseNames.size());
    QVERIFY(cases >= 12); // the bundled probe set
    QCOMPARE(set->points()[0]->q.anchorDeltaS.size(), size_t(cases));
    QCOMPARE(set->points()[0]->caseDrift.size(), size_t(cases));
    QCOMPARE(set->points()[0]->layerError.size(), size_t(35));
    QVERIFY(!set->points()[0]->gates.empty());
    QCOMPARE(m_window->resultsView()->caseModel()->rowCount(), 2 * cases);
    QCOMPARE(m_window->resultsView()->pointsModel()->rowCount(), 2);

    // Reopen from disk into emptied views.
    model->setTable({});
    set->clear();
    QCOMPARE(model->rowCount(), 0);
    m_window->openSweepStore(store);
    QVERIFY(m_window->runner()->waitForIdle(60000));
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(model->table().rows[1].key, std::string("awq-w4-g64-zp-tinystories"));
    QCOMPARE(int(set->points().size()), 2);
    QCOMPARE(int(set->fp()->caseNames.size()), cases);
    QCOMPARE(m_window->driftPlotsView()->plots()[0]->seriesCount(), 3); // entropy: F and both points
}

void TestWorkbench::comparesTwoPoints()
{
    // The two points of the sweep above: w3 g64 (A) against w4 g64 (B).
    CompareView* view = m_window->compareView();
    view->setPair(0, 1);
    CompareTableModel* table = view->tableModel();
    QCOMPARE(table->pointA(), 0);
    QCOMPARE(table->pointB(), 1);
    const DriftPointData& a = *m_window->driftSet()->points()[0];
    const DriftPointData& b = *m_window->driftSet()->points()[1];
    QCOMPARE(table->rowCount(), 7 + int(a.gates.size())); // the figures, then every gate
    // The perplexity row: F, A, B and B - A as the points hold them.
    QCOMPARE(table->data(table->index(1, CompareTableModel::A), Qt::UserRole).toDouble(), a.pplQ);
    QCOMPARE(table->data(table->index(1, CompareTableModel::B), Qt::UserRole).toDouble(), b.pplQ);
    QCOMPARE(table->data(table->index(1, CompareTableModel::Difference), Qt::UserRole).toDouble(), b.pplQ - a.pplQ);
    // Differing verdicts are listed by name.
    QStringList differs;
    for (size_t i = 0; i < a.gates.size(); ++i)
        if (a.gates[i].pass != b.gates[i].pass)
            differs << QString::fromStdString(a.gates[i].name);
    QCOMPARE(table->differingGates(), differs);
    // Plots of the pair: entropy draws F, A and B; each heatmap its own point.
    QCOMPARE(view->plots()[0]->seriesCount(), 3);
    QCOMPARE(int(view->pairSet()->points().size()), 2);
    QVERIFY(view->plots()[2]->csv().contains(QString::fromStdString(a.label)));
    // A point against itself: no difference anywhere.
    view->setPair(1, 1);
    QVERIFY(table->differingGates().isEmpty());
    QCOMPARE(table->data(table->index(1, CompareTableModel::Difference), Qt::UserRole).toDouble(), 0.0);
}

void TestWorkbench::exportsAStoredPointWithItsOwnSearch()
{
    // w4 g64 of the stored sweep: its stored scales and clips are applied, no search runs.
    m_window->driftSet()->select(1);
    QVERIFY(m_window->driftSet()->selected()); // absent when the sweep before did not finish: fail, not crash
    QCOMPARE(m_window->driftSet()->selected()->storeKey, std::string("awq-w4-g64-zp-tinystories"));
    const QString out = m_dir.filePath(QStringLiteral("stored-checkpoint"));
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    QVERIFY(m_window->exportCheckpoint(out) > 0);
    QVERIFY(m_window->runner()->waitForIdle(120000));
    QCOMPARE(finished.count(), 1);
    QVERIFY2(finished[0][1].toBool(), qPrintable(finished[0][3].toString()));
    QFile config(out + QStringLiteral("/config.json"));
    QVERIFY(config.open(QIODevice::ReadOnly));
    const QByteArray json = config.readAll();
    QVERIFY(json.contains("\"q_group_size\": 64") || json.contains("\"group_size\": 64"));
    QVERIFY(!QDir(out).entryList({QStringLiteral("*.safetensors")}).isEmpty());
}

void TestWorkbench::cancelStopsARun()
{
    const size_t before = m_window->driftSet()->points().size();
    QSignalSpy progress(m_window->runner(), &JobRunner::progress);
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    const std::vector<int> ids = m_window->runDemo();
    QCOMPARE(ids.size(), size_t(4));
    QVERIFY(progress.wait(60000)); // the first job is under way
    m_window->runner()->cancelAll();
    QVERIFY(m_window->runner()->waitForIdle(30000));
    QCOMPARE(finished.count(), 4);
    for (const auto& f : finished)
        QVERIFY(f[2].toBool()); // every job reports cancelled
    QCOMPARE(m_window->driftSet()->points().size(), before);
    QCOMPARE(m_window->jobsPanel()->stateText(ids[0]), QStringLiteral("cancelled"));
}

void TestWorkbench::cancellingASweepKeepsWhatItStored()
{
    // Three points; cancelled once the first is stored: the store keeps it (valid, reopenable),
    // the job reports cancelled, and no temporary is left beside the store.
    SweepView* view = m_window->sweepView();
    view->setChecked({3, 4}, {32, 64});
    const QString store = m_dir.filePath(QStringLiteral("cancelled-sweep.h5"));
    view->setStorePath(store);
    SweepTableModel* model = view->tableModel();
    QSignalSpy inserted(model, &QAbstractItemModel::rowsInserted);
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    const int id = m_window->runSweep();
    QVERIFY(inserted.wait(180000));
    m_window->runner()->cancel(id);
    QVERIFY(m_window->runner()->waitForIdle(60000));
    QCOMPARE(finished.count(), 1);
    QVERIFY(finished[0][2].toBool()); // cancelled
    const int stored = model->rowCount();
    QVERIFY(stored >= 1 && stored < 4);
    QVERIFY(!QFile::exists(store + QStringLiteral(".tmp")) && !QFile::exists(store + QStringLiteral(".lock")));
    model->setTable({});
    m_window->openSweepStore(store);
    QVERIFY(m_window->runner()->waitForIdle(60000));
    QCOMPARE(model->rowCount(), stored);
}

void TestWorkbench::closingDuringAJobCancelsIt()
{
    QSignalSpy progress(m_window->runner(), &JobRunner::progress);
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    m_window->runPoints({demoRequest({}, {}, 3, 32)});
    QVERIFY(progress.wait(60000));
    QElapsedTimer clock;
    clock.start();
    QVERIFY(m_window->close());
    QVERIFY(!m_window->runner()->isBusy());
    QCOMPARE(finished.count(), 1);
    QVERIFY(finished[0][2].toBool());
    QVERIFY2(clock.elapsed() < 10000, "closing waited more than 10 s for the job to stop");
    m_window.reset(); // the destructor finds nothing left to join
}

QTEST_MAIN(TestWorkbench)
#include "tst_workbench.moc"
