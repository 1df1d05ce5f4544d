// The AWQ search view, offscreen: a sweep of one AWQ and one RTN point on the embedded model, then
// the view lists the AWQ point only, reads its search when shown (a job), and its plots hold what
// the search found: the loss curve with the chosen α at its minimum and RTN as the reference, the
// activation magnitudes with the salient channels, the clip-ratio heatmap and per-group bars. An
// RTN point or a missing store is an error naming the point or the file.
#include "ui/awq_search_data.h"
#include "ui/awq_search_view.h"
#include "ui/calibration_view.h"
#include "ui/issues_panel.h"
#include "ui/job_runner.h"
#include "ui/main_window.h"
#include "ui/sweep_table_model.h"
#include "ui/sweep_view.h"

#include <QCheckBox>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include "ui/qcp.h"

#include <algorithm>
#include <cmath>

using namespace awb::ui;

class TestAwqSearchView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void listsTheAwqPointsOnly();
    void showingTheViewReadsTheSearch();
    void thePlotsDrawTheSearch();
    void anRtnPointOrAMissingStoreIsAnErrorNamingIt();

private:
    std::unique_ptr<MainWindow> m_window;
    QTemporaryDir m_dir;
    QString m_store;
};

void TestAwqSearchView::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    m_window = std::make_unique<MainWindow>(false);
    m_window->resize(1280, 800);
    m_window->show();
    m_window->openModel(QString());
    CalibrationChoices c;
    c.blocks = 4;
    c.seqLen = 128;
    m_window->calibrationView()->setChoices(c);
    SweepView* sweep = m_window->sweepView();
    sweep->setChecked({4}, {64});
    for (QCheckBox* box : sweep->findChildren<QCheckBox*>())
        if (box->text() == QStringLiteral("RTN"))
            box->setChecked(true);
    m_store = m_dir.filePath(QStringLiteral("awq-sweep.h5"));
    sweep->setStorePath(m_store);
    m_window->runSweep();
    QVERIFY(m_window->runner()->waitForIdle(300000));
    QCOMPARE(int(sweep->tableModel()->table().rows.size()), 2);
}

void TestAwqSearchView::listsTheAwqPointsOnly()
{
    AwqSearchView* view = m_window->awqSearchView();
    QCOMPARE(view->pointKeys(), QStringList{QStringLiteral("awq-w4-g64-zp-tinystories")});
    QCOMPARE(view->storePath(), m_store);
    QVERIFY(!view->search()); // nothing read while the view was hidden
}

void TestAwqSearchView::showingTheViewReadsTheSearch()
{
    AwqSearchView* view = m_window->awqSearchView();
    QSignalSpy finished(m_window->runner(), &JobRunner::jobFinished);
    m_window->tabs()->setCurrentWidget(view);
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
    QVERIFY2(finished[0][1].toBool(), qPrintable(finished[0][3].toString()));
    const auto s = view->search();
    QVERIFY(s);
    QCOMPARE(s->key, std::string("awq-w4-g64-zp-tinystories"));
    QCOMPARE(s->wBit, 4);
    QCOMPARE(s->groupSize, int64_t(64));
    QCOMPARE(s->calibrationBlocks, int64_t(4)); // the Calibration view's block settings reached the search
    QCOMPARE(s->calibrationSeqLen, int64_t(128));
    QCOMPARE(s->blocks.size(), size_t(5)); // stories260K's layers
    for (const AwqBlockData& b : s->blocks) {
        // qkv, gate/up and down; o_proj only where v_proj's output matches its input (llm-awq skips
        // it under grouped-query attention, as in stories260K).
        QVERIFY(b.scales.size() >= 3);
        QCOMPARE(b.scales.front().prevOp, std::string("input_layernorm"));
        for (const AwqScaleSearchData& g : b.scales) {
            QVERIFY(g.alphas.size() > 2);
            QCOMPARE(g.losses.size(), g.alphas.size());
            QCOMPARE(g.activationMean.size(), g.scales.size());
            QVERIFY(!g.activationMean.empty());
            // The chosen α is on the grid and its loss is the grid's least.
            const auto at = std::find_if(g.alphas.begin(), g.alphas.end(), [&](double a) { return std::abs(a - g.bestAlpha) < 1e-6; });
            QVERIFY(at != g.alphas.end());
            const double best = g.losses[size_t(at - g.alphas.begin())];
            QCOMPARE(best, *std::min_element(g.losses.begin(), g.losses.end()));
            QVERIFY(best <= g.rtnLoss * (1 + 1e-6));
        }
        QVERIFY(!b.clips.empty());
        for (const AwqClipData& c : b.clips) {
            QVERIFY(c.groups >= 1 && c.outChannels >= 1);
            QCOMPARE(int64_t(c.ratioPerGroup.size()), c.groups);
            QVERIFY(c.minRatio > 0 && c.minRatio <= c.meanRatio && c.meanRatio <= 1.0 + 1e-6);
        }
    }
}

void TestAwqSearchView::thePlotsDrawTheSearch()
{
    AwqSearchView* view = m_window->awqSearchView();
    const auto s = view->search();
    QVERIFY(s);
    const auto plots = view->plots();
    QCOMPARE(plots.size(), size_t(4));
    for (QCustomPlot* p : plots) // every axis titled
        QVERIFY2(!p->xAxis->label().isEmpty() && !p->yAxis->label().isEmpty(), qPrintable(p->objectName()));

    for (int block : {0, 3}) {
        view->setBlock(block);
        view->setScaleGroup(2);
        const AwqScaleSearchData& g = s->blocks[size_t(block)].scales[2];
        // Loss vs α: RTN reference first (drawn under), the curve, then the chosen α.
        QCustomPlot* loss = plots[0];
        QCOMPARE(loss->graphCount(), 3);
        QVERIFY(loss->graph(0)->name().contains(QStringLiteral("reference")));
        QCOMPARE(loss->graph(0)->pen().style(), Qt::DashLine);
        QCOMPARE(loss->graph(1)->dataCount(), int(g.alphas.size()));
        QVERIFY(!loss->xAxis->label().contains(QStringLiteral("screened"))); // every α scored: no --scale-screen
        QCOMPARE(loss->graph(1)->data()->at(1)->value, g.losses[1]);
        QCOMPARE(loss->graph(2)->data()->at(0)->key, g.bestAlpha);
        // Activations: one bar per channel, the salient ones the largest.
        QCustomPlot* act = plots[1];
        auto* bars = qobject_cast<QCPBars*>(act->plottable(0));
        QVERIFY(bars);
        QCOMPARE(bars->data()->size(), int(g.activationMean.size()));
        const std::vector<int> salient = view->salientChannels();
        QVERIFY(!salient.empty());
        const double smallestSalient = g.activationMean[size_t(salient.back())];
        QCOMPARE(int(std::count_if(g.activationMean.begin(), g.activationMean.end(), [&](double v) { return v > smallestSalient; })),
                 int(salient.size()) - 1);
    }
    // The clip heatmap holds every layer × linear's mean ratio.
    auto* map = qobject_cast<QCPColorMap*>(plots[2]->plottable(0));
    QVERIFY(map);
    const auto linears = s->clipLinears();
    QCOMPARE(map->data()->keySize(), int(linears.size()));
    QCOMPARE(map->data()->valueSize(), int(s->blocks.size()));
    QCOMPARE(map->data()->cell(1, 2), s->meanClipRatio(2, linears[1]));
    // Per group: the reference (no clipping) and one bar per group of the chosen linear.
    view->setBlock(1);
    view->setClipLinear(0);
    QCustomPlot* groups = plots[3];
    QCOMPARE(groups->plottableCount(), 2);
    auto* groupBars = qobject_cast<QCPBars*>(groups->plottable(1));
    QVERIFY(groupBars);
    const auto clip = std::find_if(s->blocks[1].clips.begin(), s->blocks[1].clips.end(),
                                   [&](const AwqClipData& c) { return c.linear == linears[0]; });
    QVERIFY(clip != s->blocks[1].clips.end());
    QCOMPARE(groupBars->data()->size(), int(clip->ratioPerGroup.size()));
    QCOMPARE(groupBars->data()->at(0)->value, clip->ratioPerGroup[0]);
    // The heatmap's columns follow the block's data flow (v before o before the MLP), not the store's order.
    QCOMPARE(linears.back(), std::string("down_proj"));
}

void TestAwqSearchView::anRtnPointOrAMissingStoreIsAnErrorNamingIt()
{
    try {
        readAwqSearch(m_store.toStdString(), "rtn-w4-g64-zp");
        QFAIL("an RTN point has no search");
    } catch (const std::exception& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("rtn-w4-g64-zp")), e.what());
    }
    const QString missing = m_dir.filePath(QStringLiteral("missing.h5"));
    const int errorsBefore = m_window->issuesPanel()->errorCount();
    m_window->loadAwqSearch(missing, QStringLiteral("awq-w4-g64-zp-tinystories"));
    QVERIFY(m_window->runner()->waitForIdle(30000));
    QCOMPARE(m_window->issuesPanel()->errorCount(), errorsBefore + 1);
    bool named = false;
    for (int r = 0; r < m_window->issuesPanel()->count(); ++r)
        named = named || m_window->issuesPanel()->messageAt(r).contains(QStringLiteral("missing.h5"));
    QVERIFY(named);
    QVERIFY(m_window->awqSearchView()->search()); // the shown search stays
}

QTEST_MAIN(TestAwqSearchView)
#include "tst_awq_search_view.moc"
