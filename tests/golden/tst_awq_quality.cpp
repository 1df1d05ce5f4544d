// AWQ quality against the original authors' algorithm, llm-awq, zero point on, 64 blocks of 512, on
// the MHA variant of stories260K (llm-awq needs its shapes), for two calibration/eval pairings:
// - wikitext2: llm-awq's recipe (wikitext-2 lines 1-2000), eval on lines 2001-2400; llm-awq's figures
//   from ../shared/reference/stories260K.md.
// - self: text the FP model sampled itself (awb calibration --calib self --seed 0, saved as token ids
//   in tests/data), eval on the TinyStories sample; llm-awq's figures from its own code run on those
//   same blocks (bench/peers/llm_awq_reference.py).
// Both copied to tests/data/reference_figures.json.
#include "core/quant/awq_search.h"
#include "core/quant/calibration.h"
#include "core/io/model_loader.h"
#include "core/eval/perplexity.h"
#include "core/base/runtime.h"
#include "core/tokenizer/text_source.h"

#include <QtTest/QtTest>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>

using namespace awb;

namespace {
const std::string kResources = AWB_TEST_RESOURCES_DIR;
const std::string kData = AWB_TEST_DATA_DIR;

struct Pairing {
    std::string calibration, evalText;
};
Pairing pairing(const std::string& name)
{
    if (name == "self")
        return {kData + "/stories260K-mha192-self-seed0-64x512.json", kResources + "/text/tinystories-valid-sample.txt"};
    return {"wikitext2", kResources + "/text/wikitext2-eval-lines2001-2400.txt"};
}

// RTN when method is "rtn"; otherwise the AWQ search with the default options but the given feed.
double quantizedPpl(const Model& m, const std::string& method, const QuantConfig& q, const Pairing& p, AwqFeed feed = AwqOptions{}.feed)
{
    AwqResult r;
    r.quant = q;
    if (method == "awq") {
        CalibrationOptions co;
        co.nBlocks = 64;
        co.seqLen = 512;
        AwqOptions o;
        o.quant = q;
        o.feed = feed;
        r = runAwqSearch(m, buildCalibrationSet(m, {p.calibration}, co).blocks, o);
    }
    return evaluatePerplexity(applyAwqResult(m, r), encodeEvalText(*m.tokenizer, p.evalText), PerplexityOptions{}).ppl;
}
} // namespace

class TestAwqQuality : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        configureRuntime();
        // One thread: the 64-wide model's small ops gain nothing from a second, and under ctest -j2
        // two spinning OpenMP threads here starved the test beside it (tst_workbench got 9% of a core).
        m_oneThread.emplace(1);
    }

    void matchesLlmAwqOnTheMhaVariant_data()
    {
        QTest::addColumn<QString>("pairingName");
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("group");
        QTest::addColumn<double>("rtnPpl");
        QTest::addColumn<double>("llmAwqPpl");
        std::ifstream in(kData + "/reference_figures.json");
        const auto figures = nlohmann::json::parse(in);
        for (const auto& [name, key] : {std::pair{"wikitext2", "llm_awq"}, std::pair{"self", "llm_awq_self_generated"}})
            for (const auto& f : figures[key])
                QTest::addRow("%s w%d g%d", name, f["w_bit"].get<int>(), f["group"].get<int>())
                    << QString(name) << f["w_bit"].get<int>() << f["group"].get<int>() << f["rtn_ppl"].get<double>()
                    << f["awq_ppl"].get<double>();
    }
    void matchesLlmAwqOnTheMhaVariant()
    {
        QFETCH(QString, pairingName);
        QFETCH(int, bits);
        QFETCH(int, group);
        QFETCH(double, rtnPpl);
        QFETCH(double, llmAwqPpl);
        Model m = loadModel(kResources + "/models/stories260K/stories260K-mha192.bin");
        const Pairing p = pairing(pairingName.toStdString());
        const QuantConfig q{bits, group, true};
        // RTN uses the same quantizer as llm-awq: the same figure to fp32 summation order
        const double rtn = quantizedPpl(m, "rtn", q, p);
        QVERIFY2(std::abs(rtn / rtnPpl - 1) < 1e-4, qPrintable(QString("RTN %1 vs %2").arg(rtn).arg(rtnPpl)));
        // The default search: no worse than llm-awq by more than 1% (issue 15)
        const double awq = quantizedPpl(m, "awq", q, p);
        qInfo("%s w%d g%d: RTN %.4f, AWQ %.4f, llm-awq %.4f (%+.2f%%)", qPrintable(pairingName), bits, group, rtn, awq, llmAwqPpl,
              100 * (awq / llmAwqPpl - 1));
        QVERIFY2(awq <= llmAwqPpl * 1.01, qPrintable(QString("AWQ %1 vs llm-awq %2").arg(awq).arg(llmAwqPpl)));
    }

    void beatsRtnClearlyAtThreeBitsOnTheGqaModel()
    {
        Model m = loadModel(kResources + "/models/stories260K/stories260K.bin");
        const QuantConfig q{3, 32, true};
        const Pairing p = pairing("wikitext2");
        // llm-awq's order alone (one search, not best's two): this is about AWQ against RTN
        const double rtn = quantizedPpl(m, "rtn", q, p), awq = quantizedPpl(m, "awq", q, p, AwqFeed::Fp);
        qInfo("GQA w3 g32: RTN %.4f, AWQ (feed fp) %.4f", rtn, awq);
        QVERIFY2(awq < 0.9 * rtn, qPrintable(QString("AWQ %1 vs RTN %2").arg(awq).arg(rtn))); // "clearly": >= 10% lower
    }

private:
    std::optional<ScopedIntraOpThreads> m_oneThread;
};

QTEST_GUILESS_MAIN(TestAwqQuality)
#include "tst_awq_quality.moc"
