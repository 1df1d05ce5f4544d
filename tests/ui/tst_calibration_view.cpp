// The Calibration view, offscreen, on the embedded model: its choices mirror the Project tree both
// ways; a preview job fills the per-source table (samples and token counts as the files hold them),
// the sanity table (figures in range, verdicts consistent with thresholds), the length histogram
// and the sample text; a sweep takes its calibration sets and block settings from the view; a
// missing file becomes an issue naming it.
#include "ui/calibration_models.h"
#include "ui/calibration_view.h"
#include "ui/issues_panel.h"
#include "ui/job_runner.h"
#include "ui/main_window.h"
#include "ui/project_panel.h"
#include "ui/sweep_table_model.h"
#include "ui/sweep_view.h"

#include <QFile>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include "ui/qcp.h"

#include <cmath>
#include <numeric>

using namespace awb::ui;

namespace {
QTreeWidgetItem* calibrationItem(MainWindow& w, const QString& text)
{
    QTreeWidget* tree = w.findChild<ProjectPanel*>()->tree();
    const auto items = tree->findItems(text, Qt::MatchExactly | Qt::MatchRecursive);
    return items.isEmpty() ? nullptr : items.first();
}

// Non-empty lines of a bundled text: what the calibration reader counts as samples (unit: line).
int nonEmptyLines(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    int n = 0;
    while (!f.atEnd())
        n += f.readLine().trimmed().isEmpty() ? 0 : 1;
    return n;
}
} // namespace

class TestCalibrationView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void choicesMirrorTheProjectTree();
    void previewFillsTheModels();
    void aSweepCalibratesOnTheChoices();
    void aMissingFileBecomesAnIssueNamingIt();

private:
    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_dir;
};

void TestCalibrationView::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    m_window = std::make_unique<MainWindow>(false);
    m_window->resize(1280, 800);
    m_window->show();
    m_window->openModel(QString());
    QVERIFY(m_window->runner()->waitForIdle(60000));
}

void TestCalibrationView::choicesMirrorTheProjectTree()
{
    CalibrationView* view = m_window->calibrationView();
    QCOMPARE(view->choices().checked(), std::vector<std::string>{"tinystories"});
    // A tick in the Project tree reaches the view...
    QTreeWidgetItem* wiki = calibrationItem(*m_window, calibrationSourceLabel("wikitext2"));
    QVERIFY(wiki);
    QSignalSpy changed(view, &CalibrationView::choicesChanged);
    wiki->setCheckState(0, Qt::Checked);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(view->choices().checked(), (std::vector<std::string>{"tinystories", "wikitext2"}));
    // ...and the view's choice reaches the tree (which is rebuilt, so look the item up again).
    view->setSourceChecked(QStringLiteral("wikitext2"), false);
    wiki = calibrationItem(*m_window, calibrationSourceLabel("wikitext2"));
    QVERIFY(wiki);
    QCOMPARE(wiki->checkState(0), Qt::Unchecked);
    QVERIFY(calibrationItem(*m_window, calibrationSourceLabel("self")));
}

void TestCalibrationView::previewFillsTheModels()
{
    CalibrationView* view = m_window->calibrationView();
    CalibrationChoices c;
    c.sources = {{"tinystories", true}, {"wikitext2", true}, {"self", false}};
    c.blocks = 4;
    c.seqLen = 128;
    c.splitLongSamples = false; // llm-awq's drop: long TinyStories lines are dropped, and counted
    view->setChoices(c);
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    m_window->previewCalibration();
    QVERIFY(m_window->runner()->waitForIdle(120000));
    QCOMPARE(finished.count(), 1);
    QVERIFY2(finished[0][1].toBool(), qPrintable(finished[0][3].toString()));

    const auto preview = view->preview();
    QVERIFY(preview);
    QCOMPARE(preview->blocks, int64_t(4));
    QCOMPARE(preview->seqLen, int64_t(128));
    QVERIFY(preview->samplesDropped > 0);
    QCOMPARE(preview->samplesSplit, int64_t(0));
    QCOMPARE(preview->sources.size(), size_t(2));
    const QString text = QStringLiteral(AWB_TEST_RESOURCES_DIR) + QStringLiteral("/text/");
    QCOMPARE(int(preview->sources[1].samples), nonEmptyLines(text + QStringLiteral("wikitext2-calib-lines1-2000.txt")));
    QCOMPARE(int(preview->sources[0].samples), nonEmptyLines(text + QStringLiteral("tinystories-valid-sample.txt")));

    // The sources table: one row per source, its figures as the preview counted them.
    CalibrationSourcesModel* sources = view->sourcesModel();
    QCOMPARE(sources->rowCount(), 2);
    for (int r = 0; r < 2; ++r) {
        const auto& s = preview->sources[size_t(r)];
        QCOMPARE(int64_t(s.sampleTokens.size()), s.samples);
        QCOMPARE(std::accumulate(s.sampleTokens.begin(), s.sampleTokens.end(), int64_t(0)), s.tokens);
        QCOMPARE(int64_t(std::count_if(s.sampleTokens.begin(), s.sampleTokens.end(), [](int64_t n) { return n > 128; })), s.longSamples);
        QCOMPARE(sources->data(sources->index(r, CalibrationSourcesModel::Tokens), Qt::DisplayRole).toString(), QString::number(s.tokens));
        QCOMPARE(sources->data(sources->index(r, CalibrationSourcesModel::Samples), Qt::UserRole).toLongLong(), s.samples);
        QVERIFY(!s.preview.empty());
    }
    QCOMPARE(sources->data(sources->index(0, 0), Qt::DisplayRole).toString(), calibrationSourceLabel("tinystories"));
    QCOMPARE(sources->headerData(CalibrationSourcesModel::LongSamples, Qt::Horizontal, Qt::DisplayRole).toString(), QStringLiteral("> 128 tokens"));

    // Sanity: three figures in their ranges, each verdict agreeing with its threshold.
    QVERIFY(preview->hasSanity);
    CalibrationSanityModel* sanity = view->sanityModel();
    QCOMPARE(sanity->rowCount(), 3);
    QVERIFY(preview->sanity.jsDivergence >= 0 && preview->sanity.jsDivergence <= std::log(2.0) + 1e-9);
    QVERIFY(preview->sanity.deltaS >= 0 && preview->sanity.deltaS <= 1);
    QVERIFY(preview->sanity.shortShare >= 0 && preview->sanity.shortShare <= 1);
    for (int r = 0; r < 3; ++r) {
        const double value = sanity->data(sanity->index(r, CalibrationSanityModel::Value), Qt::UserRole).toDouble();
        const double threshold = sanity->data(sanity->index(r, CalibrationSanityModel::Threshold), Qt::UserRole).toDouble();
        QCOMPARE(sanity->passes(r), value <= threshold);
        const QString verdict = sanity->data(sanity->index(r, CalibrationSanityModel::Verdict), Qt::DisplayRole).toString();
        QVERIFY(verdict.startsWith(sanity->passes(r) ? QStringLiteral("✓") : QStringLiteral("✗"))); // never colour alone
    }

    // The histogram: one bar series per source holding every sample; the sample text shows one.
    QCustomPlot* plot = view->lengthPlot();
    QCOMPARE(plot->plottableCount(), 2);
    for (int i = 0; i < 2; ++i) {
        auto* bars = qobject_cast<QCPBars*>(plot->plottable(i));
        QVERIFY(bars);
        double total = 0;
        for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it)
            total += it->value;
        QCOMPARE(int64_t(total), preview->sources[size_t(i)].samples);
    }
    QVERIFY(!plot->xAxis->label().isEmpty() && plot->xAxis->label().contains(QStringLiteral("tokens")));
    QVERIFY(view->samplesText()->toPlainText().contains(QString::fromStdString(preview->sources[0].preview[0]).left(30)));
    QVERIFY(view->summaryText().contains(QStringLiteral("4 blocks")));
}

void TestCalibrationView::aSweepCalibratesOnTheChoices()
{
    CalibrationChoices c;
    c.sources = {{"tinystories", true}, {"wikitext2", true}, {"self", false}};
    c.blocks = 2;
    c.seqLen = 64;
    c.splitLongSamples = true;
    m_window->calibrationView()->setChoices(c);
    SweepView* sweep = m_window->sweepView();
    sweep->setChecked({4}, {64});
    sweep->setStorePath(m_dir.filePath(QStringLiteral("calib-sweep.h5")));
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    const int id = m_window->runSweep();
    QVERIFY(m_window->runner()->waitForIdle(300000));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished[0][0].toInt(), id);
    QVERIFY2(finished[0][1].toBool(), qPrintable(finished[0][3].toString()));
    // One AWQ point per checked set, in the order they are checked.
    const SweepTable& t = sweep->tableModel()->table();
    QCOMPARE(t.plannedPoints, int64_t(2));
    QCOMPARE(t.rows.size(), size_t(2));
    QCOMPARE(t.rows[0].calibration, std::string("tinystories"));
    QCOMPARE(t.rows[1].calibration, std::string("wikitext2"));
}

void TestCalibrationView::aMissingFileBecomesAnIssueNamingIt()
{
    CalibrationView* view = m_window->calibrationView();
    CalibrationChoices c;
    const QString missing = m_dir.filePath(QStringLiteral("no-such-calibration.txt"));
    c.sources = {{missing.toStdString(), true}};
    view->setChoices(c);
    const int errorsBefore = m_window->issuesPanel()->errorCount();
    m_window->previewCalibration();
    QVERIFY(m_window->runner()->waitForIdle(60000));
    QCOMPARE(m_window->issuesPanel()->errorCount(), errorsBefore + 1);
    bool named = false;
    for (int r = 0; r < m_window->issuesPanel()->count(); ++r)
        named = named || m_window->issuesPanel()->messageAt(r).contains(QStringLiteral("no-such-calibration.txt"));
    QVERIFY(named);
}

QTEST_MAIN(TestCalibrationView)
#include "tst_calibration_view.moc"
