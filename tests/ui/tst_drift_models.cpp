// The models and plots behind the drift views, on hand-made points (no core job): rows, numeric
// sorting through the proxy, ✓/✗ cells with colours, TSV copy, and the series each plot draws
// (F first in the FP style, one per point, onset markers, the gap band).
#include "ui/copyable_table_view.h"
#include "ui/drift_set.h"
#include "ui/drift_table_models.h"
#include "ui/entropy_plot.h"
#include "ui/lambda_plot.h"
#include "ui/layer_heatmap_plot.h"
#include "ui/pareto_plot.h"
#include "ui/plot_style.h"
#include "ui/triangulation_plot.h"

#include <QSortFilterProxyModel>
#include <QTest>

using namespace awb::ui;

namespace {
std::shared_ptr<FpData> makeFp()
{
    auto fp = std::make_shared<FpData>();
    fp->modelPath = "/models/fp.bin";
    fp->dtype = "F32";
    fp->entropyBlockSize = 16;
    fp->caseNames = {"who is Lily?", "where is the cat?"};
    fp->runNames = {"p1 s1", "p2 s1", "p3 s1"};
    fp->fp.entropyBlocks = {2.0, 1.8, 1.7, 1.7, 1.6, 1.6};
    fp->fp.onsetBlock = -1;
    fp->fp.anchorDeltaS = {0.30, 0.35};
    fp->fp.nearestDistractor = {0.50, 0.38};
    fp->fp.lambdaRuns = {{0, 0, 0}, {0, 1, 0}};
    return fp;
}

std::shared_ptr<DriftPointData> makePoint(int wBit, int64_t group, double ppl, bool failGate)
{
    auto p = std::make_shared<DriftPointData>();
    p->wBit = wBit;
    p->groupSize = group;
    p->method = "awq";
    p->label = "w" + std::to_string(wBit) + " g" + std::to_string(group) + " zp awq";
    p->bitsPerWeight = bitsPerWeight(wBit, group, true);
    p->pplF = 5.0;
    p->pplQ = ppl;
    p->deltaPplPercent = (ppl / 5.0 - 1) * 100;
    p->klMean = 0.01 * wBit;
    p->top1 = 0.9;
    p->q.entropyBlocks = {2.1, 1.9, 1.8, 2.6, 2.8, 2.9};
    p->q.onsetBlock = failGate ? 3 : -1;
    p->q.anchorDeltaS = {0.32, 0.37};
    p->q.nearestDistractor = {0.45, 0.39};
    p->q.lambdaRuns = {{0, 2, 0}, {1, 1, 3}};
    p->gates = {{"delta_ppl_percent", "<=", p->deltaPplPercent, 10.0, p->deltaPplPercent <= 10.0},
                {"anchor_gap", ">", 0.02, 0.05, !failGate}};
    if (failGate)
        p->diagnosis = {{"boundary flattened", "group too coarse", "try a finer group size", {"anchor_gap"}}};
    p->linears = {"q_proj", "k_proj"};
    p->layers = 2;
    p->layerError = {0.01, 0.02, 0.03, 0.04};
    return p;
}
} // namespace

class TestDriftModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void pointsTableRowsAndNumericSort();
    void gateCellsSayPassOrFailAndAreColoured();
    void copyGivesTabSeparatedText();
    void plotsDrawFpFirstAndOneSeriesPerPoint();
    void paretoFrontKeepsOnlyUndominatedPoints();
    void conventions();
};

void TestDriftModels::paretoFrontKeepsOnlyUndominatedPoints()
{
    DriftSet set;
    ParetoPlot plot(&set);
    set.setFp(makeFp());
    set.addPoint(makePoint(4, 128, 5.2, false)); // 4.156 bits
    set.addPoint(makePoint(3, 32, 12.0, true));  // 3.594 bits
    set.addPoint(makePoint(4, 64, 5.3, false));  // 4.313 bits: bigger and worse than w4 g128
    set.addPoint(makePoint(4, 32, 5.05, false)); // 4.625 bits
    QCOMPARE(plot.paretoFront(), (std::vector<int>{1, 0, 3}));
    // F line, front line, one graph per point.
    QCOMPARE(plot.seriesCount(), 2 + 4);
    QCOMPARE(plot.plot()->graph(0)->pen().style(), Qt::DashLine);
    QCOMPARE(plot.plot()->graph(0)->data()->constBegin()->value, 5.0); // ppl F
    QVERIFY(plot.csv().contains(QStringLiteral("w4 g64 zp awq,4.3125,5.3,0.04,0.9,0")));
    plot.setMetric(ParetoPlot::Top1); // all 0.9: the smallest point alone is the front
    QCOMPARE(plot.paretoFront(), (std::vector<int>{1}));
    QCOMPARE(plot.plot()->graph(0)->data()->constBegin()->value, 1.0);
}

void TestDriftModels::pointsTableRowsAndNumericSort()
{
    DriftSet set;
    PointsTableModel model(&set);
    QCOMPARE(model.rowCount(), 0);
    set.setFp(makeFp());
    set.addPoint(makePoint(4, 128, 5.2, false));
    set.addPoint(makePoint(3, 32, 12.0, true));
    set.addPoint(makePoint(4, 32, 5.1, false));
    QCOMPARE(model.rowCount(), 3);
    set.addPoint(makePoint(4, 32, 5.05, false)); // same label: replaced, not added
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(2, PointsTableModel::PplQ).data().toString(), QStringLiteral("5.050"));
    QCOMPARE(model.index(0, PointsTableModel::PplQ).data(Qt::TextAlignmentRole).toInt(), int(Qt::AlignRight | Qt::AlignVCenter));

    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(Qt::UserRole);
    proxy.sort(PointsTableModel::PplQ, Qt::DescendingOrder);
    // 12.0 > 5.2 > 5.05 numerically (as text "5.2" > "12.0" would sort wrong).
    QCOMPARE(proxy.index(0, PointsTableModel::Point).data().toString(), QStringLiteral("w3 g32 zp awq"));
    QCOMPARE(proxy.index(2, PointsTableModel::Point).data().toString(), QStringLiteral("w4 g32 zp awq"));
}

void TestDriftModels::gateCellsSayPassOrFailAndAreColoured()
{
    DriftSet set;
    set.setFp(makeFp());
    set.addPoint(makePoint(3, 32, 12.0, true));
    GatesTableModel gates(&set);
    DiagnosisTableModel diagnosis(&set);
    PointsTableModel points(&set);
    QCOMPARE(set.selectedIndex(), 0);
    QCOMPARE(gates.rowCount(), 2);
    QCOMPARE(gates.index(0, GatesTableModel::Verdict).data().toString(), QStringLiteral("✗ fail")); // Δppl 140%
    QCOMPARE(gates.index(0, GatesTableModel::Verdict).data(Qt::BackgroundRole).value<QColor>(), failColor());
    QCOMPARE(gates.index(1, GatesTableModel::Verdict).data().toString(), QStringLiteral("✗ fail"));
    QCOMPARE(diagnosis.rowCount(), 1);
    QCOMPARE(diagnosis.index(0, DiagnosisTableModel::FailedGates).data().toString(), QStringLiteral("anchor_gap"));
    QCOMPARE(points.index(0, PointsTableModel::Gates).data().toString(), QStringLiteral("✗ 0/2"));
    set.addPoint(makePoint(4, 128, 5.2, false));
    set.select(1);
    QCOMPARE(gates.index(0, GatesTableModel::Verdict).data().toString(), QStringLiteral("✓ pass"));
    QCOMPARE(gates.index(0, GatesTableModel::Verdict).data(Qt::BackgroundRole).value<QColor>(), passColor());
    QCOMPARE(diagnosis.rowCount(), 0);
}

void TestDriftModels::copyGivesTabSeparatedText()
{
    DriftSet set;
    set.setFp(makeFp());
    set.addPoint(makePoint(4, 128, 5.2, false));
    set.addPoint(makePoint(3, 32, 12.0, true));
    PointsTableModel model(&set);
    CopyableTableView view(&model);
    const QStringList lines = view.selectionAsTsv().trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 3); // header + 2 rows
    QCOMPARE(lines[0].split(QLatin1Char('\t')).size(), int(PointsTableModel::ColumnCount));
    QVERIFY(lines[1].startsWith(QStringLiteral("w4 g128 zp awq\tawq\t4\t128")));
    view.selectRow(1);
    const QStringList one = view.selectionAsTsv().trimmed().split(QLatin1Char('\n'));
    QCOMPARE(one.size(), 2);
    QVERIFY(one[1].startsWith(QStringLiteral("w3 g32")));
    QVERIFY(view.tableAsCsv().startsWith(QStringLiteral("point,method,w_bit")));
}

void TestDriftModels::plotsDrawFpFirstAndOneSeriesPerPoint()
{
    DriftSet set;
    EntropyPlot entropy(&set);
    TriangulationPlot triangulation(&set);
    LayerHeatmapPlot heatmap(&set);
    LambdaPlot lambda(&set);
    QCOMPARE(entropy.seriesCount(), 0);
    set.setFp(makeFp());
    set.addPoint(makePoint(4, 128, 5.2, false));
    set.addPoint(makePoint(3, 32, 12.0, true));

    // Entropy: F then one curve per point; F drawn first, dark grey, 2 px, dashed, named reference.
    QCOMPARE(entropy.seriesCount(), 3);
    QCPGraph* f = entropy.plot()->graph(0);
    QCOMPARE(f->pen().style(), Qt::DashLine);
    QCOMPARE(f->pen().widthF(), 2.0);
    QCOMPARE(f->pen().color(), fpColor());
    QVERIFY(f->name().startsWith(QStringLiteral("FP32 (reference)")));
    QCOMPARE(f->dataCount(), 6);
    QCOMPARE(entropy.plot()->graph(2)->pen().color(), wBitColor(3));
    QCOMPARE(entropy.plot()->graph(1)->pen().widthF(), 3.0); // selected point (the first) thicker
    QCOMPARE(entropy.plot()->graph(2)->pen().widthF(), 1.5);
    // Onset marker for the w3 point only (F and w4 have none): one straight line.
    int lines = 0;
    for (int i = 0; i < entropy.plot()->itemCount(); ++i)
        lines += qobject_cast<QCPItemStraightLine*>(entropy.plot()->item(i)) ? 1 : 0;
    QCOMPARE(lines, 1);
    QVERIFY(entropy.csv().contains(QStringLiteral("w3 g32 zp awq,3,56,2.6")));
    QVERIFY(!entropy.plot()->xAxis->label().isEmpty() && entropy.plot()->xAxis->label().contains(QStringLiteral("tokens")));

    // Triangulation: band + its floor + diagonal, F, two points; one data point per case.
    QCOMPARE(triangulation.seriesCount(), 6);
    QCOMPARE(triangulation.plot()->graph(3)->dataCount(), 2);
    QVERIFY(triangulation.plot()->graph(0)->name().contains(QStringLiteral("gap ≤ 0.05")));
    QVERIFY(triangulation.csv().contains(QStringLiteral("F,1,0.3,0.5,0.2")));

    // Heatmap: the selected point's layer × linear map.
    QCOMPARE(heatmap.seriesCount(), 1);
    auto* map = qobject_cast<QCPColorMap*>(heatmap.plot()->plottable(0));
    QVERIFY(map);
    QCOMPARE(map->data()->keySize(), 2);
    QCOMPARE(map->data()->valueSize(), 2);
    QCOMPARE(map->data()->cell(1, 1), 0.04);
    set.select(1);
    QCOMPARE(qobject_cast<QCPColorMap*>(heatmap.plot()->plottable(0))->name(), QStringLiteral("w3 g32 zp awq"));

    // λ: four label kinds; 3 models × 2 cases × 3 runs = 18 cells spread over them.
    int cells = 0;
    for (int i = 0; i < lambda.plot()->graphCount(); ++i)
        cells += lambda.plot()->graph(i)->dataCount();
    QCOMPARE(cells, 18);
    QCOMPARE(lambda.plot()->graph(3)->dataCount(), 2); // one ↺ per point (case 2, run 3); none for F
    QVERIFY(lambda.csv().contains(QStringLiteral("w3 g32 zp awq,2,p3 s1,recursive")));
}

void TestDriftModels::conventions()
{
    QCOMPARE(fpLegendName(QStringLiteral("F16")), QStringLiteral("FP16 (reference)"));
    QCOMPARE(fpLegendName(QStringLiteral("F32")), QStringLiteral("FP32 (reference)"));
    QVERIFY(wBitColor(3) != wBitColor(4));
    QVERIFY(groupShape(32) != groupShape(64));
    QCOMPARE(bitsPerWeight(4, 128, true), 4.0 + 20.0 / 128.0);
}

QTEST_MAIN(TestDriftModels)
#include "tst_drift_models.moc"
