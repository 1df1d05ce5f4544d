// The FP32 engine against the reference figures of ../shared/reference/stories260K.md (copied into
// tests/data): greedy text, perplexities, and the same model converted to Hugging Face folders.
#include "core/model/generation.h"
#include "core/io/hf_writer.h"
#include "core/io/model_loader.h"
#include "core/eval/perplexity.h"
#include "core/base/runtime.h"
#include "core/tokenizer/text_source.h"

#include <QtTest/QtTest>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace awb;

namespace {
const std::string kResources = AWB_TEST_RESOURCES_DIR;
const std::string kData = AWB_TEST_DATA_DIR;
const std::string kModel = kResources + "/models/stories260K/stories260K.bin";
const std::string kEvalText = kResources + "/text/wikitext2-eval-lines2001-2400.txt";
constexpr double kReferenceEvalPpl = 113.1040;

std::string readAll(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

double evalPpl(const Model& m, const std::string& textPath)
{
    return evaluatePerplexity(m, encodeEvalText(*m.tokenizer, textPath), PerplexityOptions{}).ppl;
}
} // namespace

class TestReferenceFigures : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { configureRuntime(); }

    void greedyTextMatchesDocumentedOutput()
    {
        Model m = loadModel(kModel);
        GenerateOptions o;
        o.maxTokens = 200;
        const GenerateResult r = generate(m, o);
        const std::string expected = readAll(kData + "/stories260K_greedy_prefix.txt");
        QVERIFY2(r.text.rfind(expected, 0) == 0, r.text.c_str());
    }

    void perplexityMatchesReference_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("tokens");
        QTest::addColumn<double>("ppl");
        const auto figures = nlohmann::json::parse(readAll(kData + "/reference_figures.json"));
        for (const auto& f : figures["perplexity"]) {
            const std::string text = f["text"];
            QTest::newRow(text.c_str()) << QString::fromStdString(kResources + "/" + text) << f["tokens"].get<qint64>()
                                        << f["ppl"].get<double>();
        }
    }
    void perplexityMatchesReference()
    {
        QFETCH(QString, text);
        QFETCH(qint64, tokens);
        QFETCH(double, ppl);
        Model m = loadModel(kModel);
        const auto ids = encodeEvalText(*m.tokenizer, text.toStdString());
        QCOMPARE(static_cast<qint64>(ids.size()), tokens); // the tokenizer reproduces SentencePiece exactly
        const double ours = evaluatePerplexity(m, ids, PerplexityOptions{}).ppl;
        // The reference is printed to 4 decimals; 4 significant digits are required, and an fp32
        // forward pass that agrees op for op lands within ~1e-6 relative, so 5e-6 is asserted.
        QVERIFY2(std::abs(ours / ppl - 1) < 5e-6, qPrintable(QString("ppl %1 vs reference %2").arg(ours, 0, 'f', 6).arg(ppl)));
    }

    void mhaPaddedVariantComputesTheSameFunction()
    {
        Model m = loadModel(kResources + "/models/stories260K/stories260K-mha192.bin");
        QCOMPARE(m.config.hiddenDim, int64_t(192));
        QCOMPARE(m.config.nKvHeads, m.config.nHeads);
        // logits agree to fp32 rounding (fixture README: max |d| ~1e-5), so the ppl to ~1e-6
        QVERIFY(std::abs(evalPpl(m, kEvalText) / kReferenceEvalPpl - 1) < 5e-6);
    }

    void huggingFaceFoldersGiveTheSamePerplexity()
    {
        Model m = loadModel(kModel);
        QTemporaryDir dir;
        const std::string fp32Dir = dir.filePath("fp32").toStdString();
        writeHfFolder(m, fp32Dir, {at::kFloat, 0});
        QVERIFY(QFile::exists(QString::fromStdString(fp32Dir + "/model.safetensors")));
        QVERIFY(QFile::exists(QString::fromStdString(fp32Dir + "/tokenizer.model")));
        Model hf = loadModel(fp32Dir);
        QCOMPARE(hf.config.rope, RopeStyle::RotateHalf); // q/k were permuted for HF's rotate_half
        // fp32 conversion changes only the RoPE pairing order: 4 significant digits required
        QVERIFY(std::abs(evalPpl(hf, kEvalText) / kReferenceEvalPpl - 1) < 5e-5);

        const std::string bf16Dir = dir.filePath("bf16").toStdString();
        writeHfFolder(m, bf16Dir, {at::kBFloat16, 200 * 1024}); // ~0.5 MB of bf16 -> 3 shards
        QVERIFY(QFile::exists(QString::fromStdString(bf16Dir + "/model.safetensors.index.json")));
        QVERIFY(QFile::exists(QString::fromStdString(bf16Dir + "/model-00001-of-00003.safetensors")));
        Model bf = loadModel(bf16Dir);
        QCOMPARE(bf.weightDtype, std::string("BF16"));
        // bf16 weights round each weight to 8 bits of mantissa: within 1% of the fp32 figure
        const double ppl = evalPpl(bf, kEvalText);
        QVERIFY2(std::abs(ppl / kReferenceEvalPpl - 1) < 0.01, qPrintable(QString::number(ppl)));
    }
};

QTEST_GUILESS_MAIN(TestReferenceFigures)
#include "tst_reference_figures.moc"
