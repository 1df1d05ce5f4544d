#include "core/eval/drift.h"

#include "core/base/error.h"
#include "core/eval/embedding.h"
#include "core/eval/logit_drift.h"
#include "core/eval/perplexity.h"
#include "core/model/generation.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace awb {

namespace {
using Clock = std::chrono::steady_clock;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double mean(const std::vector<double>& v)
{
    return v.empty() ? 0.0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double onsetTokens(int64_t block, int64_t blockSize)
{
    return block == kNoOnset ? std::numeric_limits<double>::infinity() : static_cast<double>(block * blockSize);
}

std::vector<at::Tensor> makeEvalWindowsForDrift(const Model& model, const std::vector<int64_t>& tokens, const DriftSettings& s)
{
    auto windows = makeEvalWindows(model, tokens, s.seqLen);
    if (s.maxEvalWindows > 0 && static_cast<int64_t>(windows.size()) > s.maxEvalWindows)
        windows.resize(static_cast<size_t>(s.maxEvalWindows));
    return windows;
}

// Teacher-forced ppl and entropy of one model, a window and a slice of logits at a time
// (LogitHead::forEachSlice); keepHidden (optional) receives the final hidden states per window, and
// eachSlice (optional) each window's slices: (window, first position, targets, logits).
using LogitSliceFn = std::function<void(size_t, int64_t, const at::Tensor&, const at::Tensor&)>;
void teacherForced(const Model& model, const std::vector<at::Tensor>& windows, const DriftSettings& s, JobContext& job,
                   const std::string& stage, ModelSeries& out, std::vector<at::Tensor>* keepHidden, const LogitSliceFn& eachSlice = {})
{
    out.entropy = at::full({static_cast<int64_t>(windows.size()), s.seqLen - 1}, kNaN, at::kFloat);
    out.totalNll = 0;
    out.scoredTokens = 0;
    PerplexityOptions po;
    po.seqLen = s.seqLen;
    const LogitHead head(model);
    forEachWindowBatch(model, windows, po, &job, stage, [&](size_t first, const at::Tensor& input, const at::Tensor& hidden) {
        for (int64_t r = 0; r < input.size(0); ++r) {
            const size_t w = first + static_cast<size_t>(r);
            head.forEachSlice(hidden[r], [&](int64_t p0, const at::Tensor& logits) {
                const int64_t n = logits.size(0);
                const at::Tensor targets = input[r].slice(0, p0 + 1, p0 + 1 + n);
                const TokenStats t = tokenStats(logits, targets);
                out.totalNll += t.nll.sum().item<double>();
                out.scoredTokens += n;
                out.entropy[static_cast<int64_t>(w)].slice(0, p0, p0 + n).copy_(t.entropy);
                if (eachSlice)
                    eachSlice(w, p0, targets, logits);
            });
            if (keepHidden)
                keepHidden->push_back(hidden[r].clone());
        }
    });
    out.ppl = std::exp(out.totalNll / static_cast<double>(std::max<int64_t>(1, out.scoredTokens)));
    out.entropyBlocks = blockMeans(nanColumnMean(out.entropy), s.entropyBlock);
    out.onsetBlock = entropyOnset(out.entropyBlocks, s.onset);
}

// Greedy free-running text and its entropy curve: the model's own tokens scored by itself.
void freeRunning(const Model& model, const std::vector<std::vector<int64_t>>& prompts, const DriftSettings& s, JobContext& job,
                 ModelSeries& out)
{
    BatchGenerateOptions g;
    g.maxTokens = s.freeTokens;
    g.temperature = 0;
    g.stopAtEos = false; // the curve is about length: every prompt runs the full N tokens
    out.freeTokens = generateBatch(model, prompts, g, &job);
    const int64_t n = static_cast<int64_t>(prompts.size());
    out.freeEntropy = at::full({n, s.freeTokens}, kNaN, at::kFloat);
    at::NoGradGuard noGrad;
    const LogitHead head(model);
    for (int64_t i = 0; i < n; ++i) {
        // One sequence at a time: the logits of all of them together ([n, ~400, V] fp32) were about
        // 1 GB at a 49k vocabulary; sequenceStats makes them in slices.
        const auto& prompt = prompts[static_cast<size_t>(i)];
        const auto& generated = out.freeTokens[static_cast<size_t>(i)];
        std::vector<int64_t> seq = prompt;
        seq.insert(seq.end(), generated.begin(), generated.end());
        const int64_t p = static_cast<int64_t>(prompt.size()), m = static_cast<int64_t>(generated.size());
        RopeTable rope(model.config, static_cast<int64_t>(seq.size()));
        const at::Tensor input = at::tensor(seq, at::kLong);
        const at::Tensor h = head.sequenceStats(input, forwardHidden(model, rope, input.unsqueeze(0))[0]).entropy;
        // The distribution each generated token was drawn from sits one position before it.
        out.freeEntropy[i].slice(0, 0, m).copy_(h.slice(0, p - 1, p - 1 + m));
        out.distinct4.push_back(distinctNgramRatio(generated, s.repetitionWindow, 4));
        out.repetition.push_back(out.distinct4.back() < s.repetitionThreshold);
    }
    out.freeBlocks = blockMeans(nanColumnMean(out.freeEntropy), s.entropyBlock);
    out.freeOnsetBlock = entropyOnset(out.freeBlocks, s.onset);
}

// What each model embeds: the probe texts (sections, questions, paraphrases: μ is F's mean over
// these), then the corpus chunks.
std::vector<std::vector<int64_t>> embeddedTexts(const FpReference& r)
{
    std::vector<std::vector<int64_t>> texts = r.sectionTokens;
    texts.insert(texts.end(), r.questionTokens.begin(), r.questionTokens.end());
    for (const auto& p : r.paraphraseTokens)
        texts.insert(texts.end(), p.begin(), p.end());
    for (size_t c = 0; c < r.corpus.chunks.size(); ++c)
        texts.push_back(r.corpus.chunkTokens(c));
    return texts;
}

int64_t probeTextCount(const FpReference& r) { return static_cast<int64_t>(r.sectionTokens.size() + 4 * r.questionTokens.size()); }

// A model's embeddings of embeddedTexts (pooled: pooledHidden's), centred by F's μ, and each case's retrieval.
void embedAndRetrieve(const at::Tensor& pooled, const FpReference& r, ModelSeries& out)
{
    const auto& s = r.settings;
    const int64_t nS = static_cast<int64_t>(r.sectionTokens.size()), nC = static_cast<int64_t>(r.questionTokens.size());
    at::Tensor e = centreNormalise(pooled, r.mu);
    out.sectionEmb = e.slice(0, 0, nS);
    out.questionEmb = e.slice(0, nS, nS + nC);
    out.paraphraseEmb = e.slice(0, nS + nC, nS + 4 * nC).view({nC, 3, -1});
    out.chunkEmb = e.slice(0, nS + 4 * nC);
    at::Tensor qChunks = deltaS(out.questionEmb, out.chunkEmb).to(at::kDouble).contiguous();   // [C, K]
    at::Tensor chunkSections = deltaS(out.chunkEmb, out.sectionEmb).to(at::kDouble);            // [K, S]
    at::Tensor qSections = deltaS(out.questionEmb, out.sectionEmb).to(at::kDouble);             // [C, S]
    std::vector<double> unrelated;
    out.cases.clear();
    for (int64_t c = 0; c < nC; ++c) {
        const int64_t target = r.probes.cases[static_cast<size_t>(c)].targetIndex;
        CaseRetrieval cr;
        const double* row = qChunks[c].data_ptr<double>();
        cr.ranking = rankByDistance(std::vector<double>(row, row + qChunks.size(1)));
        cr.topChunk = cr.ranking.front();
        cr.deltaSQR = row[cr.topChunk];
        cr.deltaSRAnchor = chunkSections[cr.topChunk][target].item<double>();
        for (int64_t k : s.kVariants)
            cr.coverage.push_back(coverage(r.corpus, target, cr.ranking, k));
        cr.coverageK = coverage(r.corpus, target, cr.ranking, s.k);
        cr.minAdjacent = std::numeric_limits<double>::infinity();
        for (int64_t d : {target - 1, target + 1})
            if (d >= 0 && d < nS)
                cr.minAdjacent = std::min(cr.minAdjacent, chunkSections[cr.topChunk][d].item<double>());
        cr.anchorGap = cr.minAdjacent - cr.deltaSRAnchor;
        for (int64_t d = 0; d < nS; ++d)
            if (std::abs(d - target) > 1)
                unrelated.push_back(qSections[c][d].item<double>());
        out.cases.push_back(std::move(cr));
    }
    out.deltaSNull = median(unrelated);
}

// One λ prompt: BOS + the header pieces of the top-k chunks (headerPieces; kept in rank order while
// they fit the context left after the answer, then in that order or shuffled) + the paraphrase.
std::vector<int64_t> lambdaPrompt(const FpReference& r, const Model& model, const std::vector<int64_t>& ranking, int64_t k,
                                  bool shuffle, uint64_t shuffleSeed, const std::vector<int64_t>& question)
{
    const int64_t budget = model.config.maxSeqLen - r.settings.lambdaTokens - 1 - static_cast<int64_t>(question.size());
    std::vector<TokenRange> kept;
    int64_t used = 0;
    for (const TokenRange& span : headerPieces(r.corpus, ranking, k)) {
        if (used + span.end - span.begin > budget)
            break;
        kept.push_back(span);
        used += span.end - span.begin;
    }
    if (shuffle) {
        std::mt19937_64 rng(shuffleSeed);
        std::shuffle(kept.begin(), kept.end(), rng);
    }
    std::vector<int64_t> prompt{model.config.bosId};
    for (const TokenRange& span : kept)
        prompt.insert(prompt.end(), r.corpus.tokens.begin() + span.begin, r.corpus.tokens.begin() + span.end);
    const int64_t room = model.config.maxSeqLen - r.settings.lambdaTokens - static_cast<int64_t>(prompt.size());
    prompt.insert(prompt.end(), question.begin(), question.begin() + std::min<int64_t>(room, static_cast<int64_t>(question.size())));
    return prompt;
}

void lambdaRuns(const Model& model, const Model& ruler, const FpReference& r, const ModelSeries& rulerSeries, JobContext& job,
                const std::string& stage, ModelSeries& out, bool flips, double& samplingSeconds)
{
    const auto& s = r.settings;
    LambdaSeries& L = out.lambda;
    struct Variant {
        std::string name;
        int64_t k;
        bool shuffle;
    };
    std::vector<Variant> variants{{"k" + std::to_string(s.k), s.k, false}};
    if (flips) {
        for (int64_t k : s.kVariants)
            if (k != s.k)
                variants.push_back({"k" + std::to_string(k), k, false});
        variants.push_back({"k" + std::to_string(s.k) + "-shuffled", s.k, true});
    }
    const int64_t nC = static_cast<int64_t>(r.questionTokens.size()), nSeeds = static_cast<int64_t>(s.seeds.size());
    const int64_t runs = 3 * nSeeds, steps = s.lambdaTokens / s.lambdaEvery;
    std::vector<int64_t> checkpoints;
    for (int64_t t = 1; t <= steps; ++t)
        checkpoints.push_back(t * s.lambdaEvery);
    const int64_t nV = static_cast<int64_t>(variants.size());
    L.variants.clear();
    L.delta = at::zeros({nV, nC, runs, steps}, at::kFloat);
    L.minDistractor = at::zeros({nV, nC, runs}, at::kFloat);
    L.labels.assign(static_cast<size_t>(nV), std::vector<std::vector<LambdaLabel>>(static_cast<size_t>(nC)));
    L.caseLabels.assign(static_cast<size_t>(nV), std::vector<LambdaLabel>(static_cast<size_t>(nC)));
    // Paraphrase ranking by this model's own embeddings: its retrieval is part of what it does.
    at::Tensor paraChunks = deltaS(out.paraphraseEmb.reshape({nC * 3, -1}), out.chunkEmb).to(at::kDouble).contiguous();
    // Every variant's prompts in one batch: chunks of similar length across variants, and one tail
    // where the workers run out of chunks instead of one per variant.
    std::vector<std::vector<int64_t>> prompts;
    for (const Variant& var : variants)
        for (int64_t c = 0; c < nC; ++c)
            for (int64_t p = 0; p < 3; ++p) {
                const double* row = paraChunks[c * 3 + p].data_ptr<double>();
                const auto ranking = rankByDistance(std::vector<double>(row, row + paraChunks.size(1)));
                prompts.push_back(lambdaPrompt(r, model, ranking, var.k, var.shuffle, s.shuffleSeed + static_cast<uint64_t>(c * 3 + p),
                                               r.paraphraseTokens[static_cast<size_t>(c)][static_cast<size_t>(p)]));
            }
    BatchGenerateOptions g;
    g.maxTokens = s.lambdaTokens;
    g.temperature = s.temperature;
    g.topP = s.topP;
    g.seeds = s.seeds;
    g.stage = stage + " sampling";
    const auto sampling = Clock::now();
    const auto all = generateBatch(model, prompts, g, &job); // row = ((v * nC + c) * 3 + p) * seeds + seed
    samplingSeconds += since(sampling);
    const int64_t rowsPerVariant = nC * runs;
    for (int64_t v = 0; v < nV; ++v) {
        L.variants.push_back(variants[static_cast<size_t>(v)].name);
        const std::vector<std::vector<int64_t>> answers(all.begin() + v * rowsPerVariant, all.begin() + (v + 1) * rowsPerVariant);
        // The same ruler for both models: F embeds every answer, centred by F's μ.
        at::Tensor e = centreNormalise(prefixPooledHidden(ruler, answers, checkpoints, &job), r.mu); // [R, steps, d]
        const at::Tensor toSections = deltaS(e.select(1, steps - 1), rulerSeries.sectionEmb); // [R, S]
        for (int64_t c = 0; c < nC; ++c) {
            const int64_t target = r.probes.cases[static_cast<size_t>(c)].targetIndex;
            const at::Tensor anchor = rulerSeries.sectionEmb[target];
            std::vector<double> finals;
            for (int64_t run = 0; run < runs; ++run) {
                const int64_t row = c * runs + run;
                at::Tensor delta = deltaS(e[row], anchor.unsqueeze(0)).squeeze(1).to(at::kDouble).contiguous(); // [steps]
                L.delta[v][c][run].copy_(delta);
                at::Tensor others = toSections[row].clone();
                others[target] = std::numeric_limits<float>::infinity();
                const double minD = others.min().item<double>();
                L.minDistractor[v][c][run] = minD;
                const std::vector<double> d(delta.data_ptr<double>(), delta.data_ptr<double>() + steps);
                L.labels[static_cast<size_t>(v)][static_cast<size_t>(c)].push_back(lambdaLabel(d, minD, s.lambda));
                finals.push_back(d.back());
            }
            L.caseLabels[static_cast<size_t>(v)][static_cast<size_t>(c)] = caseLabel(L.labels[static_cast<size_t>(v)][static_cast<size_t>(c)]);
            if (v == 0)
                L.finalCv.push_back(coefficientOfVariation(finals));
        }
        if (v == 0) {
            L.answers.assign(static_cast<size_t>(nC), {});
            for (int64_t row = 0; row < static_cast<int64_t>(answers.size()); ++row)
                L.answers[static_cast<size_t>(row / runs)].push_back(answers[static_cast<size_t>(row)]);
        }
        job.report(v + 1, nV, stage);
    }
    int64_t convergent = 0;
    L.flips.assign(nV > 1 ? static_cast<size_t>(nC) : 0, false);
    for (int64_t c = 0; c < nC; ++c) {
        convergent += L.caseLabels[0][static_cast<size_t>(c)] == LambdaLabel::Convergent;
        for (int64_t v = 1; v < nV; ++v)
            if (L.caseLabels[static_cast<size_t>(v)][static_cast<size_t>(c)] != L.caseLabels[0][static_cast<size_t>(c)])
                L.flips[static_cast<size_t>(c)] = true;
    }
    L.convergentRate = nC ? static_cast<double>(convergent) / static_cast<double>(nC) : 0.0;
}

// Series of one model that need no FP log-probs: free-running, embeddings/retrieval, λ. pooled: the
// model's pooled embeddings of embeddedTexts(r) when already made (F's, for μ), else undefined.
void probeSeries(const Model& model, const Model& ruler, const FpReference& r, const ModelSeries* rulerSeries, JobContext& job,
                 const std::string& tag, ModelSeries& out, std::vector<std::pair<std::string, double>>& seconds, at::Tensor pooled = {})
{
    auto t = Clock::now();
    freeRunning(model, r.freePromptTokens, r.settings, job, out);
    seconds.emplace_back("free-running " + tag, since(t));
    if (!pooled.defined()) {
        t = Clock::now();
        pooled = pooledHidden(model, embeddedTexts(r), &job);
        seconds.emplace_back("embeddings " + tag, since(t));
    }
    t = Clock::now();
    embedAndRetrieve(pooled, r, out);
    seconds.emplace_back("retrieval " + tag, since(t));
    job.report(1, 1, "retrieval " + tag);
    t = Clock::now();
    double sampling = 0;
    const bool flips = rulerSeries ? r.settings.lambdaFlips : r.settings.lambdaFlipsFp; // rulerSeries is F's: this is Q
    lambdaRuns(model, ruler, r, rulerSeries ? *rulerSeries : out, job, "lambda " + tag, out, flips, sampling);
    const double total = since(t);
    seconds.emplace_back("lambda sampling " + tag, sampling);
    seconds.emplace_back("lambda ruler+labels " + tag, total - sampling);
}

double caseMean(const std::vector<CaseRetrieval>& cases, double CaseRetrieval::*field)
{
    std::vector<double> v;
    for (const auto& c : cases)
        v.push_back(c.*field);
    return mean(v);
}
} // namespace

nlohmann::json toJson(const DriftSettings& s)
{
    const auto& g = s.gates;
    return {{"seq_len", s.seqLen}, {"max_eval_windows", s.maxEvalWindows}, {"entropy_block", s.entropyBlock},
            {"onset_min_block", s.onset.minBlock}, {"onset_rise", s.onset.rise}, {"onset_consecutive", s.onset.consecutive},
            {"free_tokens", s.freeTokens}, {"repetition_window", s.repetitionWindow}, {"repetition_threshold", s.repetitionThreshold},
            {"chunk_tokens", s.chunkTokens}, {"chunk_stride", s.chunkStride}, {"k", s.k}, {"k_variants", s.kVariants},
            {"lambda_tokens", s.lambdaTokens}, {"lambda_every", s.lambdaEvery}, {"temperature", s.temperature}, {"top_p", s.topP},
            {"seeds", s.seeds}, {"lambda_flips", s.lambdaFlips}, {"lambda_flips_fp", s.lambdaFlipsFp}, {"shuffle_seed", s.shuffleSeed},
            {"lambda_convergent_last_delta", s.lambda.convergentLastDelta}, {"lambda_divergent_slope", s.lambda.divergentSlope},
            {"gates", {{"delta_ppl_percent", g.deltaPplPercent}, {"kl_mean", g.klMean}, {"top1_agreement", g.top1Agreement},
                       {"entropy_late_minus_early", g.entropyLateMinusEarly}, {"delta_s_q_r", g.deltaSQR}, {"drift_mean", g.driftMean},
                       {"coverage_mean", g.coverage}, {"anchor_gap_mean", g.anchorGap}, {"lambda_lost_cases", g.lambdaLostCases},
                       {"lambda_final_cv", g.lambdaFinalCv}}},
            {"calibration_sanity", {{"js_divergence", s.calibration.jsDivergence}, {"delta_s", s.calibration.deltaS},
                                    {"short_share", s.calibration.shortShare}}}};
}

void validateDriftSettings(const DriftSettings& s, const ModelConfig& config)
{
    if (s.seqLen < 2 || s.seqLen > config.maxSeqLen)
        throw ArgumentError("eval window " + std::to_string(s.seqLen) + " must be in [2, " + std::to_string(config.maxSeqLen) + "]");
    if (s.entropyBlock < 1)
        throw ArgumentError("entropy block must be at least 1 token");
    if (s.freeTokens < 1 || s.freeTokens + 2 > config.maxSeqLen)
        throw ArgumentError("free-running tokens must leave room for a prompt in the context of " + std::to_string(config.maxSeqLen));
    if (s.chunkTokens < 1 || s.chunkStride < 1 || s.chunkStride > s.chunkTokens)
        throw ArgumentError("chunking needs 1 <= stride <= chunk tokens");
    if (s.k < 1 || s.kVariants.empty() || std::any_of(s.kVariants.begin(), s.kVariants.end(), [](int64_t k) { return k < 1; }))
        throw ArgumentError("top-k values must be at least 1");
    if (s.lambdaEvery < 1 || s.lambdaTokens < s.lambdaEvery || s.lambdaTokens + 8 > config.maxSeqLen)
        throw ArgumentError("λ needs lambdaEvery <= lambdaTokens < context - 8");
    if (s.seeds.empty())
        throw ArgumentError("λ needs at least one seed");
    if (s.topP <= 0 || s.topP > 1 || s.temperature < 0)
        throw ArgumentError("λ sampling needs temperature >= 0 and top-p in (0, 1]");
}

FpReference buildFpReference(const Model& fp, const ProbeSet& probes, const std::vector<int64_t>& evalTokens,
                             const DriftSettings& settings, JobContext& job)
{
    if (!fp.tokenizer)
        throw ArgumentError("drift diagnostics need the model's tokenizer");
    validateDriftSettings(settings, fp.config);
    FpReference r;
    r.settings = settings;
    r.probes = probes;
    const Tokenizer& tok = *fp.tokenizer;
    for (const auto& sec : probes.sections)
        r.sectionTokens.push_back(tok.encode(sec.text, false));
    for (const auto& c : probes.cases) {
        r.questionTokens.push_back(tok.encode(c.question, false));
        r.paraphraseTokens.push_back({tok.encode(c.paraphrases[0], false), tok.encode(c.paraphrases[1], false),
                                      tok.encode(c.paraphrases[2], false)});
    }
    const std::vector<std::string> prompts =
        probes.freePrompts.empty() ? std::vector<std::string>{"Once upon a time"} : probes.freePrompts;
    for (const auto& p : prompts) {
        auto t = tok.encode(p, true);
        t.resize(std::min<size_t>(t.size(), static_cast<size_t>(fp.config.maxSeqLen - settings.freeTokens)));
        r.freePromptTokens.push_back(std::move(t));
    }
    r.corpus = chunkCorpus(r.sectionTokens, settings.chunkTokens, settings.chunkStride);
    r.windows = makeEvalWindowsForDrift(fp, evalTokens, settings);

    auto t = Clock::now();
    teacherForced(fp, r.windows, settings, job, "logits F", r.fp, &r.hidden);
    r.seconds.emplace_back("teacher-forced F", since(t));
    if (!r.hasProbes())
        return r;
    t = Clock::now();
    // F's embeddings of every probe text and chunk in one pass: μ is the mean over the probe texts.
    const at::Tensor pooled = pooledHidden(fp, embeddedTexts(r), &job);
    r.mu = pooled.slice(0, 0, probeTextCount(r)).mean(0);
    r.seconds.emplace_back("embeddings F", since(t));
    probeSeries(fp, fp, r, nullptr, job, "F", r.fp, r.seconds, pooled);
    return r;
}

DriftComparison compareToReference(const FpReference& r, const Model& fp, const Model& q, JobContext& job)
{
    const auto& s = r.settings;
    if (q.config.vocabSize != fp.config.vocabSize || q.config.dim != fp.config.dim)
        throw ShapeError("the quantized model's vocabulary or width differs from the FP model's");
    DriftComparison d;
    auto t = Clock::now();
    const int64_t nW = static_cast<int64_t>(r.windows.size());
    d.klPerPosition = at::full({nW, s.seqLen - 1}, kNaN, at::kFloat);
    std::vector<double> top1(static_cast<size_t>(nW)), deltaP(static_cast<size_t>(nW));
    // F's logits of each slice again from its kept final hidden states, cut as in F's own pass (the
    // same shapes, so the same bits as F's figures): only the LM head runs again, ~1/5 of F's
    // forward at 135M, where keeping F's logits would take 3 GB for a 16k-token text.
    const LogitHead headF(fp);
    teacherForced(q, r.windows, s, job, "logits Q", d.q, nullptr,
                  [&](size_t w, int64_t p0, const at::Tensor& targets, const at::Tensor& logitsQ) {
        const int64_t n = logitsQ.size(0);
        const at::Tensor logitsF = headF.logits(r.hidden[w].slice(0, p0, p0 + n));
        const LogitComparison c = compareLogits(logitsF, logitsQ, targets);
        d.klPerPosition[static_cast<int64_t>(w)].slice(0, p0, p0 + n).copy_(c.kl);
        top1[w] += c.top1Agree.to(at::kDouble).sum().item<double>();
        deltaP[w] += c.deltaP.to(at::kDouble).sum().item<double>();
    });
    std::vector<double> allKl;
    double top1Sum = 0, deltaPSum = 0;
    int64_t positions = 0;
    for (int64_t w = 0; w < nW; ++w) {
        const int64_t n = r.windows[static_cast<size_t>(w)].size(0) - 1;
        const at::Tensor kl = d.klPerPosition[w].slice(0, 0, n).to(at::kDouble).contiguous();
        allKl.insert(allKl.end(), kl.data_ptr<double>(), kl.data_ptr<double>() + n);
        d.klPerWindow.push_back(kl.mean().item<double>());
        d.top1PerWindow.push_back(top1[static_cast<size_t>(w)] / static_cast<double>(n));
        d.deltaPPerWindow.push_back(deltaP[static_cast<size_t>(w)] / static_cast<double>(n));
        top1Sum += top1[static_cast<size_t>(w)];
        deltaPSum += deltaP[static_cast<size_t>(w)];
        positions += n;
    }
    d.seconds.emplace_back("teacher-forced Q", since(t));
    if (r.hasProbes())
        probeSeries(q, fp, r, &r.fp, job, "Q", d.q, d.seconds);

    const ModelSeries& F = r.fp;
    const ModelSeries& Q = d.q;
    DriftSummary& m = d.summary;
    m.pplF = F.ppl;
    m.pplQ = Q.ppl;
    m.deltaPplPercent = 100.0 * (Q.ppl / F.ppl - 1.0);
    m.klMean = mean(allKl);
    m.klP99 = percentile(allKl, 99);
    m.top1Agreement = positions ? top1Sum / static_cast<double>(positions) : 1.0;
    m.deltaPMean = positions ? deltaPSum / static_cast<double>(positions) : 0.0;
    m.onsetF = onsetTokens(F.onsetBlock, s.entropyBlock);
    m.onsetQ = onsetTokens(Q.onsetBlock, s.entropyBlock);
    m.entropyLateMinusEarly = lateMinusEarly(F.entropyBlocks, Q.entropyBlocks);
    m.probed = r.hasProbes();
    if (!m.probed) {
        d.gates = evaluateGates(m, s.gates);
        d.diagnosis = diagnose(d.gates);
        return d;
    }
    m.freeOnsetF = onsetTokens(F.freeOnsetBlock, s.entropyBlock);
    m.freeOnsetQ = onsetTokens(Q.freeOnsetBlock, s.entropyBlock);
    auto share = [](const std::vector<bool>& v) {
        return v.empty() ? 0.0 : static_cast<double>(std::count(v.begin(), v.end(), true)) / static_cast<double>(v.size());
    };
    m.repetitionShareF = share(F.repetition);
    m.repetitionShareQ = share(Q.repetition);
    m.deltaSQRF = caseMean(F.cases, &CaseRetrieval::deltaSQR);
    m.deltaSQR = caseMean(Q.cases, &CaseRetrieval::deltaSQR);
    m.deltaSRAnchorF = caseMean(F.cases, &CaseRetrieval::deltaSRAnchor);
    m.deltaSRAnchor = caseMean(Q.cases, &CaseRetrieval::deltaSRAnchor);
    m.deltaSNull = F.deltaSNull;
    for (size_t c = 0; c < Q.cases.size(); ++c)
        d.caseDrift.push_back(std::max(std::abs(Q.cases[c].deltaSQR - F.cases[c].deltaSQR),
                                       std::abs(Q.cases[c].deltaSRAnchor - F.cases[c].deltaSRAnchor)));
    m.driftMean = mean(d.caseDrift);
    m.coverageF = caseMean(F.cases, &CaseRetrieval::coverageK);
    m.coverage = caseMean(Q.cases, &CaseRetrieval::coverageK);
    m.anchorGapF = caseMean(F.cases, &CaseRetrieval::anchorGap);
    m.anchorGap = caseMean(Q.cases, &CaseRetrieval::anchorGap);
    m.lambdaConvergentRateF = F.lambda.convergentRate;
    m.lambdaConvergentRate = Q.lambda.convergentRate;
    std::vector<bool> flipsQ;
    for (size_t c = 0; c < Q.cases.size(); ++c) {
        const bool lost = F.lambda.caseLabels[0][c] == LambdaLabel::Convergent && Q.lambda.caseLabels[0][c] != LambdaLabel::Convergent;
        d.lambdaLost.push_back(lost);
        flipsQ.push_back(lost || (!Q.lambda.flips.empty() && Q.lambda.flips[c]));
    }
    m.lambdaLostCases = static_cast<double>(std::count(d.lambdaLost.begin(), d.lambdaLost.end(), true));
    m.lambdaFlipRateF = F.lambda.flips.empty() ? kNaN : share(F.lambda.flips);
    m.lambdaFlipRate = share(flipsQ);
    m.lambdaFinalCvF = mean(F.lambda.finalCv);
    m.lambdaFinalCv = mean(Q.lambda.finalCv);
    d.gates = evaluateGates(m, s.gates);
    d.diagnosis = diagnose(d.gates);
    return d;
}

} // namespace awb
