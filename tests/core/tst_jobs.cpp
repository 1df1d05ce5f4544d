// The core jobs without the CLI: the quantize job end to end (search, eval, store, export, and the
// stored result re-applied exactly), cancel from another thread mid-search leaving nothing, and
// the one place where conflicting settings and bad paths are refused before the model loads.
#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/io/model_loader.h"
#include "core/jobs/evaluate_job.h"
#include "core/jobs/export_job.h"
#include "core/jobs/inspect_job.h"
#include "core/jobs/quantize_job.h"

#include <QtTest/QtTest>
#include <atomic>
#include <filesystem>
#include <thread>

using namespace awb;
namespace fs = std::filesystem;

namespace {
const std::string kResources = AWB_TEST_RESOURCES_DIR;
const std::string kEvalText = kResources + "/text/tinystories-valid-sample.txt";

// A small AWQ setting on the embedded model (a few seconds).
QuantizeJobOptions smallSearch(const std::shared_ptr<const Model>& model)
{
    QuantizeJobOptions o;
    o.model.loaded = model;
    o.quant.wBit = 4;
    o.quant.groupSize = 32;
    o.calibration = {"tinystories"};
    CalibrationOptions c;
    c.nBlocks = 4;
    c.seqLen = 256;
    c.longSamples = LongSamples::Split;
    o.calibrationOptions = c;
    return o;
}

std::vector<std::string> entries(const QTemporaryDir& dir)
{
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir.path().toStdString()))
        names.push_back(e.path().filename().string());
    return names;
}
} // namespace

class TestJobs : public QObject {
    Q_OBJECT
    std::shared_ptr<const Model> m_model;

private Q_SLOTS:
    void initTestCase()
    {
        configureRuntime();
        m_model = std::make_shared<const Model>(loadModel(defaultModelPath()));
    }

    void quantizeSearchesEvaluatesStoresAndExports()
    {
        QTemporaryDir dir;
        QuantizeJobOptions o = smallSearch(m_model);
        o.evalTextPath = kEvalText;
        o.saveResultsPath = dir.filePath("r.h5").toStdString();
        o.outDir = dir.filePath("out").toStdString();
        JobContext job;
        const QuantizeJobResult r = runQuantizeJob(o, job);
        QCOMPARE(r.source, std::string("search"));
        QCOMPARE(r.result.blocks.size(), m_model->blocks.size());
        QVERIFY(r.pplFp && r.pplQ);
        // the FP figure of the reference (tests/data/reference_figures.json: 5.8298)
        QVERIFY(std::abs(r.pplFp->ppl / 5.8298 - 1) < 5e-5);
        QVERIFY(r.pplQ->ppl > r.pplFp->ppl && r.pplQ->ppl < 1.2 * r.pplFp->ppl);
        QVERIFY(fs::exists(o.saveResultsPath) && fs::exists(o.outDir + "/config.json"));
        QVERIFY(job.warnings().size() > 0); // vLLM tensor-parallel notes for this tiny model

        // The stored result re-applies without searching and gives the same model, bit for bit.
        QuantizeJobOptions again;
        again.model.loaded = m_model;
        again.applyResultsPath = o.saveResultsPath;
        again.evalTextPath = kEvalText;
        JobContext job2;
        const QuantizeJobResult a = runQuantizeJob(again, job2);
        QCOMPARE(a.result.quant.label(), r.result.quant.label());
        QCOMPARE(a.pplQ->ppl, r.pplQ->ppl);

        // ... and so does exporting it: the folder loads back and evaluates like the export above.
        ExportJobOptions e;
        e.model.loaded = m_model;
        e.applyResultsPath = o.saveResultsPath;
        e.outDir = dir.filePath("exported").toStdString();
        JobContext job3;
        const ExportJobResult x = runExportJob(e, job3);
        QVERIFY(std::find(x.folder.files.begin(), x.folder.files.end(), "model.safetensors") != x.folder.files.end());
        QCOMPARE(inspectModel({e.outDir, "", nullptr}).dtype, std::string("AWQ-W4-G32"));
        JobContext job4, job5;
        const double exportedPpl = runEvaluateJob({{o.outDir, "", nullptr}, kEvalText, 512}, job4).perplexity.ppl;
        QCOMPARE(runEvaluateJob({{e.outDir, "", nullptr}, kEvalText, 512}, job5).perplexity.ppl, exportedPpl);
    }

    void cancelFromAnotherThreadMidSearchWritesNothing()
    {
        QTemporaryDir dir;
        QuantizeJobOptions o = smallSearch(m_model);
        o.saveResultsPath = dir.filePath("r.h5").toStdString();
        o.outDir = dir.filePath("out").toStdString();
        o.evalTextPath = kEvalText;
        std::atomic<bool> searching{false};
        JobContext job([&](int64_t, int64_t, const std::string& stage) {
            if (stage.find("scale search") != std::string::npos)
                searching = true;
            return true;
        });
        std::thread canceller([&] {
            while (!searching)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            job.cancel(); // as the GUI's Stop button does, from its own thread
        });
        QVERIFY_THROWS_EXCEPTION(Cancelled, runQuantizeJob(o, job));
        canceller.join();
        QVERIFY2(entries(dir).empty(), "a cancelled job leaves no output and no temporary");
    }

    void conflictingSettingsAreRefusedBeforeLoading_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("message");
        QTest::newRow("rtn with calib") << "rtn+calib" << "--method rtn does not calibrate";
        QTest::newRow("apply with method") << "apply+method" << "--method does not apply";
        QTest::newRow("apply with calib") << "apply+calib" << "calibration and search options";
        QTest::newRow("apply, other bits") << "apply+bits" << "was searched for w4 g32 zp, not w3 g32 zp";
        QTest::newRow("apply, other zero point") << "apply+sym" << "not w4 g32 sym";
        QTest::newRow("awq without calib") << "nocalib" << "--calib is required";
        QTest::newRow("missing eval text") << "eval" << "--eval /nonexistent.txt";
        QTest::newRow("out parent missing") << "out" << "--out /nonexistent/dir";
        QTest::newRow("results parent missing") << "save" << "--save-results /nonexistent/r.h5";
        QTest::newRow("3-bit export") << "out3" << "4-bit weights only";
    }
    void conflictingSettingsAreRefusedBeforeLoading()
    {
        QFETCH(QString, kind);
        QFETCH(QString, message);
        static QTemporaryDir dir;
        static const std::string stored = [&] { // one small RTN result for the --apply-results rows
            QuantizeJobOptions o;
            o.model.loaded = m_model;
            o.quant = {4, 32, true};
            o.method = QuantMethod::Rtn;
            o.saveResultsPath = dir.filePath("rtn.h5").toStdString();
            JobContext job;
            runQuantizeJob(o, job);
            return o.saveResultsPath;
        }();
        QuantizeJobOptions o = smallSearch(nullptr);
        o.model.path = "/nonexistent-model.bin"; // a check that came after loading would fail on this instead
        const std::string k = kind.toStdString();
        if (k == "rtn+calib")
            o.method = QuantMethod::Rtn;
        if (k.rfind("apply", 0) == 0) {
            o.applyResultsPath = stored;
            o.quant = {};
            o.calibration.clear();
            o.calibrationOptions.reset();
            if (k == "apply+method")
                o.method = QuantMethod::Awq;
            if (k == "apply+calib")
                o.calibration = {"tinystories"};
            if (k == "apply+bits")
                o.quant.wBit = 3;
            if (k == "apply+sym")
                o.quant.zeroPoint = false;
        }
        if (k == "nocalib") {
            o.calibration.clear();
            o.calibrationOptions.reset();
        }
        if (k == "eval")
            o.evalTextPath = "/nonexistent.txt";
        if (k == "out")
            o.outDir = "/nonexistent/dir";
        if (k == "save")
            o.saveResultsPath = "/nonexistent/r.h5";
        if (k == "out3") {
            o.quant.wBit = 3;
            o.outDir = dir.filePath("out3").toStdString();
        }
        JobContext job;
        try {
            runQuantizeJob(o, job);
            QFAIL("not refused");
        } catch (const Error& e) {
            QVERIFY2(QString(e.what()).contains(message), e.what());
            QVERIFY2(!QString(e.what()).contains("nonexistent-model"), "refused only after trying to load the model");
        }
    }

    void nothingKeptIsWarnedAboutUpFront()
    {
        QuantizeJobOptions o;
        o.quant = {4, 32, true};
        o.method = QuantMethod::Rtn;
        const auto warnings = checkQuantizeOptions(o);
        QCOMPARE(warnings.size(), size_t(1));
        QVERIFY(QString::fromStdString(warnings[0]).contains("nothing keeps this result"));
    }
};

QTEST_GUILESS_MAIN(TestJobs)
#include "tst_jobs.moc"
