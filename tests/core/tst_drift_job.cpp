// Drift diagnostics on the embedded stories260K model: the forward-pass pieces they add (hidden
// states, batched sampling, pooled embeddings) agree with the existing paths; F against itself drifts
// by exactly 0 on every metric; w3 g32 RTN drifts more than w4 g32 AWQ; the job checks its inputs
// before loading, honours cancel without leaving a report, and writes a report h5ls can read.
// One FP reference (initTestCase) serves every comparison, as in a sweep.
#include "core/awqformat/awq_export.h"
#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/eval/drift.h"
#include "core/eval/embedding.h"
#include "core/eval/layer_error.h"
#include "core/io/model_loader.h"
#include "core/jobs/diagnose_job.h"
#include "core/model/generation.h"
#include "core/model/decode_gemv.h"
#include "core/model/transformer.h"
#include "core/quant/awq_result.h"
#include "core/quant/awq_search.h"
#include "core/quant/calibration.h"
#include "core/tokenizer/text_source.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

using namespace awb;

namespace {
const std::string kResources = AWB_TEST_RESOURCES_DIR;
const std::string kModel = kResources + "/models/stories260K/stories260K.bin";
const std::string kEval = kResources + "/text/tinystories-valid-sample.txt";
const std::string kProbes = kResources + "/probes/stories260K-probes.json";

// Smaller than the defaults so the whole executable stays well under a minute on 2 shared cores:
// λ's batched sampling is most of the cost (one seed, 32 tokens = 2 checkpoints).
DriftSettings testSettings()
{
    DriftSettings s;
    s.maxEvalWindows = 8;
    s.freeTokens = 128;
    s.lambdaFlips = false;
    s.seeds = {1};
    s.lambdaTokens = 32;
    return s;
}

// The first sections and cases of the default probe set, for the job-level tests.
std::string writeSmallProbeSet(const QTemporaryDir& dir)
{
    std::ifstream in(kProbes);
    nlohmann::json j = nlohmann::json::parse(in);
    j["sections"] = nlohmann::json(std::vector<nlohmann::json>(j["sections"].begin(), j["sections"].begin() + 4));
    j["cases"] = nlohmann::json::array({j["cases"][0], j["cases"][1]});
    const std::string path = dir.filePath("small-probes.json").toStdString();
    std::ofstream(path) << j.dump();
    return path;
}

Model rtn(const Model& fp, int bits, int64_t group)
{
    AwqResult r;
    r.method = "rtn";
    r.quant = QuantConfig{bits, group, true};
    return applyAwqResult(fp, r);
}
} // namespace

class TestDriftJob : public QObject {
    Q_OBJECT
    Model m_fp;
    FpReference m_ref;
    DriftComparison m_self, m_rtn3, m_awq4;
    std::optional<ScopedIntraOpThreads> m_threads;

private Q_SLOTS:
    void initTestCase()
    {
        configureRuntime();
        m_threads.emplace(1); // as runDiagnose does for tiny models (core/base/runtime.h)
        m_fp = loadModel(kModel);
        JobContext job;
        m_ref = buildFpReference(m_fp, loadProbeSet(kProbes), encodeEvalText(*m_fp.tokenizer, kEval), testSettings(), job);
        m_self = compareToReference(m_ref, m_fp, m_fp, job);
        m_rtn3 = compareToReference(m_ref, m_fp, rtn(m_fp, 3, 32), job);
        CalibrationOptions co;
        co.nBlocks = 8;
        const CalibrationSet calib = buildCalibrationSet(m_fp, {"wikitext2"}, co);
        AwqOptions awq;
        awq.quant = QuantConfig{4, 32, true};
        m_awq4 = compareToReference(m_ref, m_fp, applyAwqResult(m_fp, runAwqSearch(m_fp, calib.blocks, awq)), job);
    }

    void hiddenStatesAreWhatLogitsAreMadeOf()
    {
        at::Tensor tokens = at::tensor(m_fp.tokenizer->encode("Once upon a time there was a cat.", true), at::kLong).unsqueeze(0);
        RopeTable rope(m_fp.config, tokens.size(1));
        at::Tensor logits = forward(m_fp, rope, tokens);
        at::Tensor viaHidden = at::linear(forwardHidden(m_fp, rope, tokens), m_fp.lmHead.to(at::kFloat));
        QVERIFY(at::equal(logits, viaHidden));
    }

    void batchedSamplingDrawsWhatGenerateDraws()
    {
        // Prompts of different lengths share one left-padded cache; each row must reproduce the
        // single-sequence generate() with the same seed (each row at its own positions, padding
        // masked). The second prompt begins the third, so all but its last position are copied from
        // the third's row rather than computed (generation.cpp).
        std::string longPrompt;
        for (int i = 0; i < 12; ++i)
            longPrompt += "Tom and his dog went to the park to play. ";
        const std::string twice = "Tom and his dog went to the park to play. Tom and his dog went to the park to play";
        const std::vector<std::string> prompts{"Once upon a time", twice, longPrompt};
        std::vector<std::vector<int64_t>> ids;
        for (const auto& p : prompts)
            ids.push_back(m_fp.tokenizer->encode(p, true));
        BatchGenerateOptions o;
        o.maxTokens = 24;
        o.temperature = 0.7;
        o.topP = 0.9;
        o.seeds = {3, 4};
        o.stopAtEos = true;
        QVERIFY(ids[1].size() > 16 && std::equal(ids[1].begin(), ids[1].end() - 1, ids[2].begin())); // one chunk (generation.cpp)
        const auto rows = generateBatch(m_fp, ids, o);
        QCOMPARE(rows.size(), size_t(6));
        for (size_t p = 0; p < prompts.size(); ++p)
            for (size_t s = 0; s < o.seeds.size(); ++s) {
                GenerateOptions g;
                g.prompt = prompts[p];
                g.maxTokens = o.maxTokens;
                g.temperature = o.temperature;
                g.topP = o.topP;
                g.seed = o.seeds[s];
                const auto single = generate(m_fp, g);
                const std::vector<int64_t> generated(single.tokens.begin() + single.promptTokens, single.tokens.end());
                QCOMPARE(rows[p * o.seeds.size() + s], generated);
            }
        o.maxTokens = 600;
        QVERIFY_THROWS_EXCEPTION(ArgumentError, generateBatch(m_fp, ids, o));
    }

    void chunkedSamplingOfHalfWeightsDrawsWhatGenerateDraws()
    {
        // bf16 weights cap a pass at the half GEMV's 8 rows: 5 prompts x 2 seeds run as two chunks,
        // on two workers where there are two cores. Each row is still what generate() draws.
        if (!decodeGemvAvailable())
            QSKIP("no AVX2/F16C: bf16 weights are upcast and run as one batch");
        Model half = m_fp;
        for (BlockWeights& b : half.blocks)
            for (at::Tensor* w : {&b.wq, &b.wk, &b.wv, &b.wo, &b.wGate, &b.wUp, &b.wDown})
                *w = w->to(at::kBFloat16);
        const std::vector<std::string> prompts{"Once upon a time", "Tom and his dog went to the park to play", "Lily saw a bird",
                                               "The sun was hot and the", "One day"};
        std::vector<std::vector<int64_t>> ids;
        for (const auto& p : prompts)
            ids.push_back(half.tokenizer->encode(p, true));
        BatchGenerateOptions o;
        o.maxTokens = 20;
        o.temperature = 0.7;
        o.topP = 0.9;
        o.seeds = {5, 6};
        const auto rows = generateBatch(half, ids, o);
        QCOMPARE(rows.size(), size_t(10));
        for (size_t p = 0; p < prompts.size(); ++p)
            for (size_t s = 0; s < o.seeds.size(); ++s) {
                GenerateOptions g;
                g.prompt = prompts[p];
                g.maxTokens = o.maxTokens;
                g.temperature = o.temperature;
                g.topP = o.topP;
                g.seed = o.seeds[s];
                const auto single = generate(half, g);
                QCOMPARE(rows[p * o.seeds.size() + s], std::vector<int64_t>(single.tokens.begin() + single.promptTokens, single.tokens.end()));
            }
    }

    void pooledEmbeddingsDoNotDependOnBatching()
    {
        const std::vector<std::vector<int64_t>> texts{m_fp.tokenizer->encode("Lily had a big red ball.", false),
                                                      m_fp.tokenizer->encode("The dog ran.", false), {}};
        at::Tensor together = pooledHidden(m_fp, texts);
        for (size_t i = 0; i < texts.size(); ++i) {
            // Batch shapes change GEMM blocking, so equal up to rounding.
            const double diff = (together[static_cast<int64_t>(i)] - pooledHidden(m_fp, {texts[i]})[0]).abs().max().item<double>();
            QVERIFY2(diff < 1e-5, qPrintable(QString("text %1: max |diff| %2").arg(i).arg(diff)));
        }
        // A prefix's pooled state from the long pass equals pooling the prefix alone (causal).
        at::Tensor prefixes = prefixPooledHidden(m_fp, {texts[0]}, {3, 100});
        const std::vector<int64_t> first3(texts[0].begin(), texts[0].begin() + 3);
        QVERIFY(at::allclose(prefixes[0][0], pooledHidden(m_fp, {first3})[0], 1e-5, 1e-6));
        QVERIFY(at::allclose(prefixes[0][1], together[0], 1e-5, 1e-6)); // beyond the end: the whole text
    }

    void fpAgainstItselfHasZeroDriftOnEveryMetric()
    {
        const DriftSummary& s = m_self.summary;
        QCOMPARE(s.pplQ, s.pplF);
        QCOMPARE(s.deltaPplPercent, 0.0);
        QCOMPARE(s.klMean, 0.0);
        QCOMPARE(s.klP99, 0.0);
        QCOMPARE(s.top1Agreement, 1.0);
        QCOMPARE(s.deltaPMean, 0.0);
        QCOMPARE(s.onsetQ, s.onsetF);
        QCOMPARE(s.entropyLateMinusEarly, 0.0);
        QCOMPARE(s.freeOnsetQ, s.freeOnsetF);
        QCOMPARE(s.deltaSQR, s.deltaSQRF);
        QCOMPARE(s.deltaSRAnchor, s.deltaSRAnchorF);
        QCOMPARE(s.driftMean, 0.0);
        QCOMPARE(s.coverage, s.coverageF);
        QCOMPARE(s.anchorGap, s.anchorGapF);
        QCOMPARE(s.lambdaConvergentRate, s.lambdaConvergentRateF);
        QCOMPARE(s.lambdaLostCases, 0.0);
        QCOMPARE(s.lambdaFinalCv, s.lambdaFinalCvF);
        QVERIFY(at::equal(m_self.q.lambda.delta, m_ref.fp.lambda.delta));
        QVERIFY(at::equal(m_self.q.entropy.nan_to_num(), m_ref.fp.entropy.nan_to_num()));
        for (const Gate& g : m_self.gates)
            if (std::isnan(g.fpValue)) // drift gates pass; absolute ones are F's own verdict
                QVERIFY2(g.pass, g.name.c_str());
            else
                QCOMPARE(g.pass, g.fpPass);
        const LayerErrorMap le = layerErrors(m_fp, m_fp, m_ref.windows.front().unsqueeze(0));
        QCOMPARE(le.relError.abs().max().item<double>(), 0.0);
    }

    void threeBitRtnDriftsMoreThanFourBitAwq()
    {
        const DriftSummary& r3 = m_rtn3.summary;
        const DriftSummary& a4 = m_awq4.summary;
        qInfo("w3 g32 RTN: dppl %.2f%% KL %.4f top1 %.3f drift %.4f | w4 g32 AWQ: dppl %.2f%% KL %.4f top1 %.3f drift %.4f",
              r3.deltaPplPercent, r3.klMean, r3.top1Agreement, r3.driftMean, a4.deltaPplPercent, a4.klMean, a4.top1Agreement,
              a4.driftMean);
        QVERIFY(r3.klMean > a4.klMean);
        QVERIFY(r3.klP99 > a4.klP99);
        QVERIFY(r3.deltaPplPercent > a4.deltaPplPercent);
        QVERIFY(r3.top1Agreement < a4.top1Agreement);
        QVERIFY(r3.driftMean > a4.driftMean);
        QVERIFY(a4.klMean > 0);
    }

    // The logit figures, made from F's kept final hidden states and logits in slices of positions,
    // against a direct computation: each whole window through forward() and PyTorch's log_softmax
    // in fp64. Without a probe set only the logit and teacher-forced figures are measured, and only
    // their gates are evaluated.
    void logitDriftMatchesWholeWindowLogSoftmax()
    {
        DriftSettings s = testSettings();
        s.maxEvalWindows = 3;
        JobContext job;
        const FpReference ref = buildFpReference(m_fp, ProbeSet{}, encodeEvalText(*m_fp.tokenizer, kEval), s, job);
        QCOMPARE(ref.hidden.size(), size_t(3)); // what F's logits are made from again for each Q
        const Model q = rtn(m_fp, 3, 32);
        const DriftComparison a = compareToReference(ref, m_fp, q, job);
        double kl = 0, top1 = 0, nllF = 0, nllQ = 0;
        int64_t n = 0;
        for (const at::Tensor& w : ref.windows) {
            const RopeTable rope(m_fp.config, w.size(0));
            const at::Tensor targets = w.slice(0, 1).unsqueeze(-1);
            const at::Tensor lf = at::log_softmax(forward(m_fp, rope, w.unsqueeze(0))[0].slice(0, 0, -1).to(at::kDouble), -1);
            const at::Tensor lq = at::log_softmax(forward(q, rope, w.unsqueeze(0))[0].slice(0, 0, -1).to(at::kDouble), -1);
            kl += (lf.exp() * (lf - lq)).sum().item<double>();
            top1 += lf.argmax(-1).eq(lq.argmax(-1)).sum().item<double>();
            nllF -= lf.gather(-1, targets).sum().item<double>();
            nllQ -= lq.gather(-1, targets).sum().item<double>();
            n += targets.size(0);
        }
        QVERIFY2(std::abs(a.summary.klMean - kl / n) <= 1e-5 * kl / n, qPrintable(QString("%1 vs %2").arg(a.summary.klMean).arg(kl / n)));
        QVERIFY(std::abs(a.summary.top1Agreement - top1 / n) <= 1.0 / n); // a near tie may fall either way
        QVERIFY(std::abs(a.summary.pplF / std::exp(nllF / n) - 1) <= 1e-5);
        QVERIFY(std::abs(a.summary.pplQ / std::exp(nllQ / n) - 1) <= 1e-5);
        QVERIFY(a.summary.klMean > 0);
        QVERIFY(!a.summary.probed);
        QCOMPARE(a.gates.size(), size_t(5)); // delta_ppl_percent, kl_mean, top1_agreement, entropy_onset, entropy_late_minus_early
        QVERIFY(a.q.cases.empty());
    }

    void layerErrorOfAnAutoAwqFolderMatchesTheModelItCameFrom()
    {
        // The folder rotates RoPE halves (q/k rows permuted per head) and pads the FFN 172 -> 176;
        // the per-layer error must see through both: same figures as the in-memory RTN model, up to
        // the fp16 scales of the format.
        QTemporaryDir dir;
        AwqResult r;
        r.method = "rtn";
        r.quant = QuantConfig{4, 32, true};
        r.modelPath = kModel;
        const std::string out = dir.filePath("q").toStdString();
        exportAutoAwq(m_fp, r, out, ExportOptions{});
        LoadOptions lo;
        lo.requireTokenizer = false;
        const Model folder = loadModel(out, lo);
        const at::Tensor tokens = m_ref.windows.front().unsqueeze(0);
        const at::Tensor fromFolder = layerErrors(m_fp, folder, tokens).relError;
        const at::Tensor inMemory = layerErrors(m_fp, applyAwqResult(m_fp, r), tokens).relError;
        QVERIFY2(at::allclose(fromFolder, inMemory, 0.02, 1e-4),
                 qPrintable(QString("max |diff| %1").arg((fromFolder - inMemory).abs().max().item<double>())));
    }

    void fpPassesRetrievalGatesOnMostCases()
    {
        int pass = 0;
        for (const CaseRetrieval& c : m_ref.fp.cases)
            pass += c.deltaSQR <= 0.45 && c.coverageK >= 0.70;
        qInfo("F passes ΔS(q,r) <= 0.45 and coverage >= 0.70 on %d of %zu cases; ΔS_null %.3f", pass, m_ref.fp.cases.size(),
              m_ref.fp.deltaSNull);
        QVERIFY(2 * pass > static_cast<int>(m_ref.fp.cases.size()));
    }

    void jobChecksInputsBeforeLoading()
    {
        DiagnoseOptions o;
        o.model = kModel;
        o.evalText = kEval;
        o.quant = QuantConfig{4, 32, true};
        o.method = "awq"; // no --calib
        JobContext job;
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runDiagnose(o, job));
        o.method = "rtn";
        o.quant.wBit = 9;
        QVERIFY_THROWS_EXCEPTION(ArgumentError, runDiagnose(o, job));
        o.quant.wBit = 16;
        o.probes = "/nonexistent/probes.json";
        QVERIFY_THROWS_EXCEPTION(IoError, runDiagnose(o, job));
        o.probes.clear();
        o.report = "/nonexistent-folder/r.h5";
        QVERIFY_THROWS_EXCEPTION(IoError, runDiagnose(o, job));
    }

    void cancelledJobLeavesNoReport()
    {
        QTemporaryDir dir;
        DiagnoseOptions o;
        o.model = kModel;
        o.evalText = kEval;
        o.quant.wBit = 16;
        o.settings = testSettings();
        o.probes = writeSmallProbeSet(dir);
        o.report = dir.filePath("r.h5").toStdString();
        JobContext job([](int64_t, int64_t, const std::string& stage) { return stage.rfind("lambda", 0) != 0; });
        QVERIFY_THROWS_EXCEPTION(Cancelled, runDiagnose(o, job));
        QVERIFY(!std::filesystem::exists(o.report));
        QVERIFY(!std::filesystem::exists(o.report + ".tmp"));
    }

    void reportHoldsEverySeries()
    {
        QTemporaryDir dir;
        DiagnoseOptions o;
        o.model = kModel;
        o.evalText = kEval;
        o.method = "rtn";
        o.quant = QuantConfig{4, 32, true};
        o.settings = testSettings();
        o.settings.maxEvalWindows = 2;
        o.probes = writeSmallProbeSet(dir);
        o.report = dir.filePath("r.h5").toStdString();
        JobContext job;
        const DiagnoseResult r = runDiagnose(o, job);
        QVERIFY(std::filesystem::exists(o.report));
        QCOMPARE(r.layerError.relError.size(0), m_fp.config.nLayers);
        QVERIFY(r.layerError.relError.min().item<double>() > 0);
        QProcess h5ls;
        h5ls.start("h5ls", {"-r", QString::fromStdString(o.report)});
        if (!h5ls.waitForStarted())
            QSKIP("h5ls is not installed");
        h5ls.waitForFinished();
        const QString listing = QString::fromUtf8(h5ls.readAllStandardOutput());
        for (const char* path : {"/summary", "/gates", "/diagnosis", "/timings", "/fp/entropy/teacher_forced", "/fp/embeddings/mu",
                                 "/fp/lambda/delta", "/q/lambda/labels", "/q/cases/delta_s_q_r", "/q/logit_drift/kl_per_window",
                                 "/q/layer_error/rel_error", "/corpus/chunk_ranges", "/cases/drift"})
            QVERIFY2(listing.contains(QString(path) + " "), path);
    }
};

QTEST_GUILESS_MAIN(TestDriftJob)
#include "tst_drift_job.moc"
