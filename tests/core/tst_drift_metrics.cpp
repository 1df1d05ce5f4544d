// The pure functions behind the drift metrics of docs/METRICS.md, on constructed inputs whose
// answers are derived by hand (each expected value says how): entropy onset and the entropy gate,
// repetition, logit drift, ΔS, chunking and coverage, λ labels, JS divergence, gates and the
// diagnosis table, and the probe-set format's errors.
#include "core/base/error.h"
#include "core/eval/calibration_sanity.h"
#include "core/eval/embedding.h"
#include "core/eval/entropy_curve.h"
#include "core/eval/gates.h"
#include "core/eval/lambda.h"
#include "core/eval/logit_drift.h"
#include "core/eval/logit_rows.h"
#include "core/eval/probe_set.h"
#include "core/eval/retrieval.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <cmath>
#include <fstream>
#include <numeric>
#include <nlohmann/json.hpp>

using namespace awb;

namespace {
const std::string kResources = AWB_TEST_RESOURCES_DIR;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

bool near(double a, double b, double tol = 1e-6) { return std::abs(a - b) <= tol; }

nlohmann::json minimalProbeSet()
{
    return nlohmann::json::parse(R"({"sections": [{"id": "a", "title": "A", "text": "one"}, {"id": "b", "text": "two"}],
        "cases": [{"question": "q?", "paraphrases": ["p1", "p2", "p3"], "target": "b"}]})");
}

// The FormatError's field for a probe set, or "" when it parses.
std::string probeError(const nlohmann::json& j)
{
    try {
        parseProbeSet(j, "probes.json");
    } catch (const FormatError& e) {
        if (e.file() != "probes.json")
            return "wrong file " + e.file();
        return e.field();
    }
    return "";
}

const Gate& gate(const std::vector<Gate>& gates, const std::string& name)
{
    for (const Gate& g : gates)
        if (g.name == name)
            return g;
    throw std::runtime_error("no gate " + name);
}
} // namespace

class TestDriftMetrics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void onsetFiresOnlyOnTwoRisenBlocksFromBlockFour()
    {
        // Blocks 0-3 fall to 1.4 (the running min). Block 5: 2.0 - 1.4 = 0.6 >= 0.5, block 6: 2.1 - 1.4 = 0.7 -> t* = 5.
        QCOMPARE(entropyOnset({3.0, 2.0, 1.5, 1.4, 1.45, 2.0, 2.1, 2.2}), int64_t(5));
        // A one-block spike (block 6: 1.6 - 1.4 = 0.2) is not an onset.
        QCOMPARE(entropyOnset({3.0, 2.0, 1.5, 1.4, 1.45, 2.0, 1.6, 1.7}), kNoOnset);
        // Rises in blocks 1-2 come before b = 4 and do not count; later blocks rise by at most 0.2.
        QCOMPARE(entropyOnset({1.0, 1.6, 1.7, 1.0, 1.1, 1.2}), kNoOnset);
        // A rise in the last block alone has no second block.
        QCOMPARE(entropyOnset({1.0, 1.0, 1.0, 1.0, 1.0, 2.0}), kNoOnset);
        // Exactly 0.5 counts (>=): blocks 4 and 5 are 1.5 over the min 1.0.
        QCOMPARE(entropyOnset({1.0, 1.0, 1.0, 1.0, 1.5, 1.5}), int64_t(4));
        QVERIFY(onsetNotEarlier(kNoOnset, 5));
        QVERIFY(!onsetNotEarlier(5, kNoOnset));
        QVERIFY(onsetNotEarlier(5, 5));
        QVERIFY(!onsetNotEarlier(4, 5));
        QVERIFY(onsetNotEarlier(kNoOnset, kNoOnset));
    }

    void entropyGateComparesLateAndEarlyHalves()
    {
        // Q - F = 0.1, 0.1 | 0.3, 0.5: late mean 0.4 - early mean 0.1 = 0.3.
        QVERIFY(near(lateMinusEarly({1, 1, 1, 1}, {1.1, 1.1, 1.3, 1.5}), 0.3));
        // Five blocks: early = blocks 0-1 (mean 0), late = blocks 2-4 (mean 1).
        QVERIFY(near(lateMinusEarly({0, 0, 0, 0, 0}, {0, 0, 1, 1, 1}), 1.0));
        QCOMPARE(lateMinusEarly({1, 2}, {1, 2}), 0.0);
    }

    void blockMeansAndColumnMeansSkipNan()
    {
        const auto b = blockMeans({1, 2, 3, 4, 5}, 2); // (1+2)/2, (3+4)/2, 5 alone
        QCOMPARE(b.size(), size_t(3));
        QVERIFY(near(b[0], 1.5) && near(b[1], 3.5) && near(b[2], 5));
        const auto c = nanColumnMean(at::tensor({1.0, 2.0, 3.0, kNan}, at::kDouble).view({2, 2})); // (1+3)/2, 2 alone
        QVERIFY(near(c[0], 2) && near(c[1], 2));
    }

    void entropyOfKnownDistributions()
    {
        // Uniform over 4: entropy and -log p both ln 4, from logits or log-probabilities alike. Two of
        // four tokens impossible: ln 2 (0 log 0 = 0, not NaN).
        const at::Tensor target = at::tensor({int64_t(2)});
        for (const at::Tensor& z : {at::full({1, 4}, 3.5f), at::log_softmax(at::zeros({1, 4}), -1)}) {
            const TokenStats s = tokenStats(z, target);
            QVERIFY(near(s.entropy.item<double>(), std::log(4.0), 1e-6));
            QVERIFY(near(s.nll.item<double>(), std::log(4.0), 1e-6));
        }
        const float inf = std::numeric_limits<float>::infinity();
        const TokenStats s2 = tokenStats(at::tensor({0.0f, 0.0f, -inf, -inf}).view({1, 4}), at::tensor({int64_t(0)}));
        QVERIFY(near(s2.entropy.item<double>(), std::log(2.0), 1e-6));
        QVERIFY(near(s2.nll.item<double>(), std::log(2.0), 1e-6));
        QVERIFY_THROWS_EXCEPTION(ShapeError, tokenStats(at::zeros({1, 4}), at::tensor({int64_t(4)})));
    }

    // The row kernels against PyTorch's log_softmax in fp64 (the independent reference), at a 49k
    // vocabulary plus a tail that is not a multiple of 8, with logits of a real model's spread.
    void rowStatisticsMatchLogSoftmax()
    {
        at::manual_seed(3);
        const int64_t n = 5, V = 49155;
        const at::Tensor zf = at::randn({n, V}) * 4, zq = zf + at::randn({n, V}) * 0.2;
        const at::Tensor targets = at::randint(0, V, {n}, at::kLong);
        const at::Tensor lf = at::log_softmax(zf.to(at::kDouble), -1), lq = at::log_softmax(zq.to(at::kDouble), -1);
        const TokenStats s = tokenStats(zq, targets);
        const at::Tensor entropy = -(lq.exp() * lq).sum(-1), nll = -lq.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
        QVERIFY(at::allclose(s.entropy.to(at::kDouble), entropy, 1e-5, 1e-5));
        QVERIFY(at::allclose(s.nll, nll, 1e-5, 1e-5));
        const LogitComparison c = compareLogits(zf, zq, targets);
        const at::Tensor kl = (lf.exp() * (lf - lq)).sum(-1);
        QVERIFY2(at::allclose(c.kl.to(at::kDouble), kl, 1e-4, 1e-7), qPrintable(QString::number((c.kl.to(at::kDouble) - kl).abs().max().item<double>())));
        QVERIFY(at::equal(c.top1Agree, lf.argmax(-1).eq(lq.argmax(-1))));
        const at::Tensor dp = lq.gather(-1, targets.unsqueeze(-1)).exp() - lf.gather(-1, targets.unsqueeze(-1)).exp();
        QVERIFY(at::allclose(c.deltaP.to(at::kDouble), dp.squeeze(-1), 1e-5, 1e-7));
    }

    void repetitionIsTheDistinctFourGramRatio()
    {
        std::vector<int64_t> distinct(10);
        std::iota(distinct.begin(), distinct.end(), 0);
        QCOMPARE(distinctNgramRatio(distinct), 1.0);
        // 1 2 1 2 1 2 1 2: five 4-grams, two distinct (1212, 2121) -> 0.4.
        QVERIFY(near(distinctNgramRatio({1, 2, 1, 2, 1, 2, 1, 2}), 0.4));
        // Only the last 128 tokens count: 100 tokens of "1 2" then 128 distinct ones.
        std::vector<int64_t> t;
        for (int i = 0; i < 50; ++i)
            t.insert(t.end(), {1, 2});
        for (int i = 0; i < 128; ++i)
            t.push_back(100 + i);
        QCOMPARE(distinctNgramRatio(t, 128), 1.0);
        QVERIFY(distinctNgramRatio(t, 228) < 1.0);
        QCOMPARE(distinctNgramRatio({1, 2, 3}), 1.0);
    }

    void logitDriftOfKnownDistributions()
    {
        // P_F = (0.6, 0.4), P_Q = (0.3, 0.7); correct token 1.
        // KL = 0.6 ln(0.6/0.3) + 0.4 ln(0.4/0.7); argmax differs; Δp = 0.7 - 0.4.
        at::Tensor f = at::tensor({0.6, 0.4}, at::kDouble).log().to(at::kFloat).view({1, 2});
        at::Tensor q = at::tensor({0.3, 0.7}, at::kDouble).log().to(at::kFloat).view({1, 2});
        // As logits: each row shifted by a constant of its own, which changes no probability.
        const LogitComparison c = compareLogits(f + 5.0f, q - 3.0f, at::tensor({int64_t(1)}));
        QVERIFY(near(c.kl.item<double>(), 0.6 * std::log(2.0) + 0.4 * std::log(0.4 / 0.7), 1e-6));
        QVERIFY(!c.top1Agree.item<bool>());
        QVERIFY(near(c.deltaP.item<double>(), 0.3, 1e-6));
        const LogitComparison same = compareLogits(f, f, at::tensor({int64_t(0)}));
        QCOMPARE(same.kl.item<double>(), 0.0);
        QVERIFY(same.top1Agree.item<bool>());
        QCOMPARE(same.deltaP.item<double>(), 0.0);
        QVERIFY_THROWS_EXCEPTION(ShapeError, compareLogits(f, q.view({2, 1}), at::tensor({int64_t(1)})));
        // numpy.percentile(range(1, 101), 99) = 99.01 (rank 98.01 between 99 and 100).
        std::vector<double> v(100);
        std::iota(v.begin(), v.end(), 1.0);
        QVERIFY(near(percentile(v, 99), 99.01, 1e-9));
        QCOMPARE(percentile({}, 99), 0.0);
    }

    void deltaSOfKnownAngles()
    {
        at::Tensor a = at::tensor({1.0f, 0.0f}), b = at::tensor({0.0f, 1.0f});
        at::Tensor c = at::tensor({0.5f, static_cast<float>(std::sqrt(3.0) / 2)}); // 60 degrees from a: cos 0.5
        QVERIFY(near(deltaS1(a, a), 0.0));
        QVERIFY(near(deltaS1(a, b), 1.0));
        QVERIFY(near(deltaS1(a, -a), 1.0)); // 1 - (-1) = 2, clamped to 1
        QVERIFY(near(deltaS1(a, c), 0.5, 1e-6));
        at::Tensor m = deltaS(at::stack({a, b}), at::stack({a, c}));
        QVERIFY(near(m[1][1].item<double>(), 1 - std::sqrt(3.0) / 2, 1e-6));
        // Centring: a vector equal to μ becomes 0 (ΔS 1 to everything), others become unit.
        at::Tensor e = centreNormalise(at::tensor({3.0f, 4.0f, 1.0f, 1.0f}).view({2, 2}), at::tensor({1.0f, 1.0f}));
        QVERIFY(near(e[0].norm().item<double>(), 1.0, 1e-6));
        QCOMPARE(e[1].norm().item<double>(), 0.0);
    }

    void chunkingAndCoverageOnAHandMadeCorpus()
    {
        // Sections of 5, 3 and 4 tokens -> stream 0..11; chunks of 4 every 2:
        // [0,4) [2,6) [4,8) [6,10) [8,12) (the last one reaches the end).
        std::vector<std::vector<int64_t>> sections{{0, 1, 2, 3, 4}, {5, 6, 7}, {8, 9, 10, 11}};
        const ChunkedCorpus c = chunkCorpus(sections, 4, 2);
        QCOMPARE(c.chunks.size(), size_t(5));
        QCOMPARE(c.chunks[1].begin, int64_t(2));
        QCOMPARE(c.chunks[4].end, int64_t(12));
        QCOMPARE(c.sections[1].begin, int64_t(5));
        QCOMPARE(c.chunkTokens(3), (std::vector<int64_t>{6, 7, 8, 9}));
        // Section 1 = tokens 5..7. Chunk [2,6) holds token 5 only: 1/3. With [6,10) too: 3/3.
        QVERIFY(near(coverage(c, 1, {1, 3}, 1), 1.0 / 3));
        QVERIFY(near(coverage(c, 1, {1, 3}, 2), 1.0));
        QVERIFY(near(coverage(c, 0, {4}, 5), 0.0));
        // Section 0 = tokens 0..4: [0,4) and [4,8) -> 5/5; k beyond the ranking is the whole ranking.
        QVERIFY(near(coverage(c, 0, {0, 2}, 20), 1.0));
        // Header of ranked chunks 4, 0, 1: [8,12), [0,4), then [2,6) less [0,4) = [4,6); chunk 2, [4,8),
        // adds [6,8) at k = 4, after the three pieces of k = 3; chunk 3, [6,10), adds nothing.
        auto pieces = [&](int64_t k) {
            std::vector<int64_t> bounds;
            for (const TokenRange& p : headerPieces(c, {4, 0, 1, 2, 3}, k))
                bounds.insert(bounds.end(), {p.begin, p.end});
            return bounds;
        };
        QCOMPARE(pieces(3), (std::vector<int64_t>{8, 12, 0, 4, 4, 6}));
        QCOMPARE(pieces(4), (std::vector<int64_t>{8, 12, 0, 4, 4, 6, 6, 8}));
        QCOMPARE(pieces(5), pieces(4));
        QCOMPARE(rankByDistance({0.5, 0.1, 0.5, 0.2}), (std::vector<int64_t>{1, 3, 0, 2})); // ties keep index order
        QVERIFY_THROWS_EXCEPTION(ArgumentError, chunkCorpus(sections, 4, 5));
    }

    void lambdaLabelsFollowTheNotesOrder()
    {
        QVERIFY(near(leastSquaresSlope({0.5, 0.4, 0.3, 0.2}), -0.1));
        QCOMPARE(leastSquaresSlope({0.3}), 0.0);
        // Falling and ending at 0.2 <= 0.45: convergent, even with a distractor closer (→ is checked first).
        QCOMPARE(lambdaLabel({0.6, 0.5, 0.4, 0.3, 0.3, 0.2}, 0.9), LambdaLabel::Convergent);
        QCOMPARE(lambdaLabel({0.4, 0.3, 0.2, 0.2, 0.2, 0.1}, 0.05), LambdaLabel::Convergent);
        // Flat at 0.6 (slope 0 but last > 0.45) and a distractor at 0.5 < 0.6: chaotic.
        QCOMPARE(lambdaLabel({0.6, 0.6, 0.6, 0.6, 0.6, 0.6}, 0.5), LambdaLabel::Chaotic);
        // Rising by 0.05 per step > 0.02, anchor still the closest: divergent.
        QCOMPARE(lambdaLabel({0.30, 0.35, 0.40, 0.45, 0.50, 0.55}, 0.9), LambdaLabel::Divergent);
        // Oscillating (slope 0.0017) around 0.5: recursive; falling but ending at 0.5 > 0.45: recursive.
        QCOMPARE(lambdaLabel({0.50, 0.51, 0.50, 0.51, 0.50, 0.51}, 0.9), LambdaLabel::Recursive);
        QCOMPARE(lambdaLabel({0.9, 0.8, 0.7, 0.6, 0.55, 0.5}, 0.9), LambdaLabel::Recursive);
        // A slope equal to the threshold is not "above" it: δ = 0.25 t has slope exactly 0.25 in binary
        // (Σ(x - 1.5)(y - 0.375) = 1.25 over Σ(x - 1.5)² = 5); 0.02 itself is not representable.
        QCOMPARE(lambdaLabel({0.0, 0.25, 0.5, 0.75}, 0.9, LambdaThresholds{0.45, 0.25}), LambdaLabel::Recursive);
        QCOMPARE(lambdaLabel({0.0, 0.25, 0.5, 0.75}, 0.9, LambdaThresholds{0.45, 0.24}), LambdaLabel::Divergent);
        using L = LambdaLabel;
        QCOMPARE(caseLabel({L::Convergent, L::Convergent, L::Convergent, L::Convergent, L::Convergent, L::Convergent}), L::Convergent);
        QCOMPARE(caseLabel({L::Convergent, L::Convergent, L::Convergent, L::Convergent, L::Convergent, L::Chaotic}), L::Chaotic);
        QCOMPARE(caseLabel({L::Chaotic, L::Chaotic, L::Divergent, L::Divergent, L::Divergent, L::Recursive}), L::Divergent);
        QCOMPARE(caseLabel({L::Chaotic, L::Divergent, L::Convergent, L::Convergent}), L::Chaotic); // tie: × first
        QCOMPARE(coefficientOfVariation({1, 1, 1}), 0.0);
        QVERIFY(near(coefficientOfVariation({1, 3}), 0.5)); // μ 2, σ 1
        QCOMPARE(QString(lambdaSymbol(L::Recursive)), QString("<>"));
    }

    void jsDivergenceOfKnownUnigrams()
    {
        QCOMPARE(unigramJsDivergence({0, 1, 2}, {2, 1, 0}, 4), 0.0);
        QVERIFY(near(unigramJsDivergence({0, 0}, {1, 1}, 4), std::log(2.0))); // disjoint: ln 2
        // P = (0.5, 0.5), Q = (1, 0), M = (0.75, 0.25):
        // JS = ½[0.5 ln(0.5/0.75) + 0.5 ln(0.5/0.25)] + ½[1 ln(1/0.75)].
        const double expected = 0.5 * (0.5 * std::log(0.5 / 0.75) + 0.5 * std::log(2.0)) + 0.5 * std::log(1 / 0.75);
        QVERIFY(near(unigramJsDivergence({0, 1}, {0, 0}, 4), expected, 1e-12));
        QVERIFY(near(expected, 0.215762, 1e-6));
        QCOMPARE(unigramJsDivergence({}, {1}, 4), 0.0);
        QVERIFY(near(unigramJsDivergence({0, 9}, {0}, 4), 0.0)); // out-of-vocabulary ids ignored
    }

    void gatesPassWithoutDriftAndDiagnoseEachFailure()
    {
        DriftSummary s;
        s.deltaSQRF = s.deltaSQR = 0.2;
        s.coverageF = s.coverage = 0.9;
        s.anchorGapF = s.anchorGap = 0.2;
        for (const Gate& g : evaluateGates(s))
            QVERIFY2(g.pass, g.name.c_str());
        QVERIFY(diagnose(evaluateGates(s)).empty());

        DriftSummary bad = s;
        bad.deltaPplPercent = 20;
        bad.klMean = 0.5;
        auto rows = diagnose(evaluateGates(bad));
        QCOMPARE(rows.size(), size_t(1));
        QCOMPARE(QString::fromStdString(rows[0].cause), QString("calibration set does not match the eval domain; group too coarse"));
        QCOMPARE(rows[0].gates, (std::vector<std::string>{"delta_ppl_percent", "kl_mean"}));

        DriftSummary jitter = s; // top-1 fine, ΔS drift high
        jitter.top1Agreement = 0.95;
        jitter.driftMean = 0.3;
        rows = diagnose(evaluateGates(jitter));
        QCOMPARE(rows.size(), size_t(1));
        QCOMPARE(QString::fromStdString(rows[0].nextStep), QString("deterministic decoding; re-run λ with header order locked"));
        jitter.top1Agreement = 0.5; // then it is the logits themselves: row 1, not row 2
        rows = diagnose(evaluateGates(jitter));
        QCOMPARE(rows.size(), size_t(1));
        QCOMPARE(rows[0].gates, (std::vector<std::string>{"top1_agreement"}));

        DriftSummary early = s; // Q's onset at 32 tokens, F has none
        early.onsetQ = 32;
        const auto gates = evaluateGates(early);
        QVERIFY(!gate(gates, "entropy_onset").pass);
        rows = diagnose(gates);
        QCOMPARE(rows.size(), size_t(1));
        QCOMPARE(QString::fromStdString(rows[0].cause), QString("long-sequence error accumulation"));
        early.onsetF = 16; // F earlier still: pass
        QVERIFY(gate(evaluateGates(early), "entropy_onset").pass);

        DriftSummary retrieval = s;
        retrieval.coverage = 0.5; // Q fails, F passes
        rows = diagnose(evaluateGates(retrieval));
        QCOMPARE(rows.size(), size_t(1));
        QVERIFY(QString::fromStdString(rows[0].symptom).startsWith("retrieval by Q"));
        retrieval.coverageF = 0.5; // F fails too: a probe-set problem
        rows = diagnose(evaluateGates(retrieval));
        QCOMPARE(rows.size(), size_t(1));
        QVERIFY(QString::fromStdString(rows[0].symptom).startsWith("the FP model fails"));

        DriftSummary unstable = s; // λ spread: a sampling symptom when F is stable, F's own when not
        unstable.lambdaFinalCv = 0.3;
        rows = diagnose(evaluateGates(unstable));
        QCOMPARE(rows.size(), size_t(1));
        QCOMPARE(QString::fromStdString(rows[0].cause), QString("logit jitter amplified by sampling"));
        unstable.lambdaFinalCvF = 0.3;
        rows = diagnose(evaluateGates(unstable));
        QCOMPARE(rows.size(), size_t(1));
        QCOMPARE(rows[0].gates, (std::vector<std::string>{"lambda_final_cv"}));
        QVERIFY(QString::fromStdString(rows[0].symptom).startsWith("the FP model fails"));

        DriftSummary flat = s; // gap 0.05 is "flattened" (gap <= 0.05 fails)
        flat.anchorGap = 0.05;
        QVERIFY(!gate(evaluateGates(flat), "anchor_gap_mean").pass);

        std::vector<Gate> deploy{{"speedup", 0.9, 1.0, ">=", false}};
        rows = diagnose(deploy);
        QCOMPARE(rows.size(), size_t(1));
        QCOMPARE(QString::fromStdString(rows[0].symptom), QString("no speed-up, out of memory"));

        GateThresholds strict; // thresholds are settings
        strict.driftMean = 0.01;
        DriftSummary small = s;
        small.driftMean = 0.05;
        QVERIFY(gate(evaluateGates(small), "drift_mean").pass);
        QVERIFY(!gate(evaluateGates(small, strict), "drift_mean").pass);
    }

    void probeSetErrorsNameFileAndJsonPath()
    {
        QCOMPARE(probeError(minimalProbeSet()), std::string());
        auto j = minimalProbeSet();
        j.erase("sections");
        QCOMPARE(probeError(j), std::string("/sections"));
        j = minimalProbeSet();
        j["cases"][0]["paraphrases"].erase(0);
        QCOMPARE(probeError(j), std::string("/cases/0/paraphrases"));
        j = minimalProbeSet();
        j["cases"][0]["question"] = 42; // wrongly typed: a FormatError, not nlohmann::type_error
        QCOMPARE(probeError(j), std::string("/cases/0/question"));
        j = minimalProbeSet();
        j["cases"][0]["paraphrases"][2] = nlohmann::json::object();
        QCOMPARE(probeError(j), std::string("/cases/0/paraphrases/2"));
        j = minimalProbeSet();
        j["cases"][0]["target"] = "zz";
        QCOMPARE(probeError(j), std::string("/cases/0/target"));
        j = minimalProbeSet();
        j["sections"][1]["id"] = "a";
        QCOMPARE(probeError(j), std::string("/sections/1/id"));
        j = minimalProbeSet();
        j["sections"] = "none";
        QCOMPARE(probeError(j), std::string("/sections"));
        j = minimalProbeSet();
        j["cases"][0] = 3;
        QCOMPARE(probeError(j), std::string("/cases/0"));
        j = minimalProbeSet();
        j["version"] = 2;
        QCOMPARE(probeError(j), std::string("/version"));

        QTemporaryDir dir;
        const std::string bad = dir.filePath("bad.json").toStdString();
        std::ofstream(bad) << "{\"sections\": [";
        try {
            loadProbeSet(bad);
            QFAIL("malformed JSON accepted");
        } catch (const FormatError& e) {
            QCOMPARE(e.file(), bad);
        }
        QVERIFY_THROWS_EXCEPTION(IoError, loadProbeSet(dir.filePath("missing.json").toStdString()));
    }

    void defaultProbeSetIsComplete()
    {
        const ProbeSet p = loadProbeSet(kResources + "/probes/stories260K-probes.json");
        QVERIFY(p.sections.size() >= 24);
        QVERIFY(p.cases.size() >= 12);
        QVERIFY(!p.freePrompts.empty());
        QVERIFY(QString::fromStdString(p.hash).startsWith("fnv1a64:"));
        QCOMPARE(p.cases[0].target, p.sections[static_cast<size_t>(p.cases[0].targetIndex)].id);
    }
};

QTEST_GUILESS_MAIN(TestDriftMetrics)
#include "tst_drift_metrics.moc"
