#include "core/store/drift_groups.h"

#include "core/store/hdf5_util.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace awb {

using namespace h5;

namespace {
at::Tensor padded(const std::vector<std::vector<int64_t>>& rows, int64_t width)
{
    at::Tensor t = at::full({static_cast<int64_t>(rows.size()), width}, -1, at::kLong);
    for (size_t i = 0; i < rows.size(); ++i)
        if (!rows[i].empty())
            t[static_cast<int64_t>(i)].slice(0, 0, static_cast<int64_t>(rows[i].size())).copy_(at::tensor(rows[i], at::kLong));
    return t;
}

at::Tensor labelTensor(const std::vector<std::vector<LambdaLabel>>& labels)
{
    std::vector<int8_t> flat;
    for (const auto& row : labels)
        for (LambdaLabel l : row)
            flat.push_back(static_cast<int8_t>(l));
    const int64_t n = static_cast<int64_t>(labels.size());
    return at::tensor(flat, at::kChar).view({n, n ? -1 : 0});
}

at::Tensor boolTensor(const std::vector<bool>& v)
{
    std::vector<int8_t> b(v.begin(), v.end());
    return at::tensor(b, at::kChar);
}

} // namespace

at::Tensor flagTensor(const std::vector<bool>& v) { return boolTensor(v); }

void writeModelSeries(H5::Group g, const ModelSeries& m, const FpReference& ref, std::string& where)
{
    const auto& s = ref.settings;
    writeAttr(g, "ppl", m.ppl);
    writeAttr(g, "total_nll", m.totalNll);
    writeAttr(g, "scored_tokens", static_cast<double>(m.scoredTokens));
    writeAttr(g, "entropy_onset_block", static_cast<double>(m.onsetBlock));
    writeAttr(g, "free_onset_block", static_cast<double>(m.freeOnsetBlock));
    where += "/entropy";
    H5::Group e = g.createGroup("entropy");
    writeTensor(e, "teacher_forced", m.entropy);
    writeDoubles(e, "teacher_forced_blocks", m.entropyBlocks);
    if (!ref.hasProbes())
        return; // no free-running prompts, embeddings, retrieval or λ were run
    writeAttr(g, "delta_s_null", m.deltaSNull);
    writeAttr(g, "lambda_convergent_rate", m.lambda.convergentRate);
    writeTensor(e, "free_running", m.freeEntropy);
    writeDoubles(e, "free_running_blocks", m.freeBlocks);
    writeTensor(e, "free_tokens", padded(m.freeTokens, s.freeTokens));
    writeDoubles(e, "distinct4", m.distinct4);
    writeTensor(e, "repetition", boolTensor(m.repetition));
    where.replace(where.rfind('/'), std::string::npos, "/embeddings");
    H5::Group em = g.createGroup("embeddings");
    writeAttr(em, "probe_set_hash", ref.probes.hash);
    writeTensor(em, "sections", m.sectionEmb);
    writeTensor(em, "questions", m.questionEmb);
    writeTensor(em, "paraphrases", m.paraphraseEmb);
    writeTensor(em, "chunks", m.chunkEmb);
    where.replace(where.rfind('/'), std::string::npos, "/cases");
    H5::Group c = g.createGroup("cases");
    std::vector<double> qr, ra, covK, minAdj, gap;
    std::vector<int64_t> top;
    std::vector<std::vector<int64_t>> ranking;
    std::vector<double> cov;
    for (const auto& cr : m.cases) {
        qr.push_back(cr.deltaSQR);
        ra.push_back(cr.deltaSRAnchor);
        covK.push_back(cr.coverageK);
        minAdj.push_back(cr.minAdjacent);
        gap.push_back(cr.anchorGap);
        top.push_back(cr.topChunk);
        ranking.push_back(cr.ranking);
        cov.insert(cov.end(), cr.coverage.begin(), cr.coverage.end());
    }
    writeDoubles(c, "delta_s_q_r", qr);
    writeDoubles(c, "delta_s_r_anchor", ra);
    writeDoubles(c, "coverage_k", covK);
    writeDoubles(c, "min_adjacent", minAdj);
    writeDoubles(c, "anchor_gap", gap);
    writeTensor(c, "top_chunk", at::tensor(top, at::kLong));
    writeTensor(c, "ranking", padded(ranking, static_cast<int64_t>(ref.corpus.chunks.size())));
    writeTensor(c, "coverage", at::tensor(cov, at::kDouble).view({static_cast<int64_t>(m.cases.size()), -1}));
    writeAttr(c, "k_values", nlohmann::json(s.kVariants).dump());
    where.replace(where.rfind('/'), std::string::npos, "/lambda");
    H5::Group l = g.createGroup("lambda");
    writeTensor(l, "delta", m.lambda.delta);
    writeTensor(l, "min_distractor", m.lambda.minDistractor);
    std::vector<std::vector<LambdaLabel>> flatRuns;
    for (const auto& v : m.lambda.labels)
        for (const auto& c2 : v)
            flatRuns.push_back(c2);
    writeTensor(l, "labels", labelTensor(flatRuns).view({static_cast<int64_t>(m.lambda.labels.size()), static_cast<int64_t>(m.cases.size()), -1}));
    writeTensor(l, "case_labels", labelTensor(m.lambda.caseLabels));
    writeDoubles(l, "final_cv", m.lambda.finalCv);
    writeTensor(l, "flips", boolTensor(m.lambda.flips));
    writeAttr(l, "variants", joinCommas(m.lambda.variants));
    std::vector<int64_t> checkpoints;
    for (int64_t t = s.lambdaEvery; t <= s.lambdaTokens; t += s.lambdaEvery)
        checkpoints.push_back(t);
    writeAttr(l, "checkpoints", nlohmann::json(checkpoints).dump());
}

namespace {
// An int8 label tensor read as floats back to labels, row-major over its last dimension.
std::vector<std::vector<LambdaLabel>> labelRows(const at::Tensor& t)
{
    std::vector<std::vector<LambdaLabel>> rows;
    if (t.dim() < 1 || t.numel() == 0)
        return rows;
    const at::Tensor flat = t.reshape({-1, t.size(-1)}).contiguous();
    for (int64_t r = 0; r < flat.size(0); ++r) {
        std::vector<LambdaLabel> row;
        for (int64_t c = 0; c < flat.size(1); ++c) {
            // checked as a float: casting NaN or 1e30 to int is undefined (found by fuzz_store_tree)
            const float v = flat[r][c].item<float>();
            if (!(v >= 0 && v <= static_cast<float>(LambdaLabel::Recursive)) || v != std::floor(v))
                throw H5::DataSetIException("lambda labels", "label " + std::to_string(v) + " is not one of 0 to 3");
            row.push_back(static_cast<LambdaLabel>(static_cast<int>(v)));
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

bool passes(double value, const std::string& comparison, double threshold)
{
    if (comparison == "<=")
        return value <= threshold;
    if (comparison == ">=")
        return value >= threshold;
    if (comparison == ">")
        return value > threshold;
    return value < threshold;
}
} // namespace

ModelSeries readModelSeries(const H5::Group& g)
{
    ModelSeries m;
    m.ppl = readDoubleAttr(g, "ppl");
    m.totalNll = readDoubleAttr(g, "total_nll");
    m.scoredTokens = readWholeAttr(g, "scored_tokens", -1, int64_t(1) << 52);
    m.onsetBlock = readWholeAttr(g, "entropy_onset_block", -1, int64_t(1) << 52);
    m.freeOnsetBlock = readWholeAttr(g, "free_onset_block", -1, int64_t(1) << 52);
    const H5::Group e = g.openGroup("entropy");
    m.entropyBlocks = readDoubles(e, "teacher_forced_blocks");
    if (!g.nameExists("cases"))
        return m; // written without a probe set
    m.deltaSNull = readDoubleAttr(g, "delta_s_null");
    m.freeBlocks = readDoubles(e, "free_running_blocks");
    const H5::Group c = g.openGroup("cases");
    const auto qr = readDoubles(c, "delta_s_q_r"), ra = readDoubles(c, "delta_s_r_anchor"), covK = readDoubles(c, "coverage_k"),
               minAdj = readDoubles(c, "min_adjacent"), gap = readDoubles(c, "anchor_gap");
    if (ra.size() != qr.size() || covK.size() != qr.size() || minAdj.size() != qr.size() || gap.size() != qr.size())
        throw H5::GroupIException("cases", "per-case series differ in length");
    for (size_t i = 0; i < qr.size(); ++i) {
        CaseRetrieval cr;
        cr.deltaSQR = qr[i];
        cr.deltaSRAnchor = ra[i];
        cr.coverageK = covK[i];
        cr.minAdjacent = minAdj[i];
        cr.anchorGap = gap[i];
        m.cases.push_back(cr);
    }
    const H5::Group l = g.openGroup("lambda");
    m.lambda.convergentRate = readDoubleAttr(g, "lambda_convergent_rate");
    m.lambda.variants = splitCommas(readStringAttr(l, "variants"));
    const at::Tensor labels = readTensor(l, "labels"); // [variants, cases, runs]
    if (labels.dim() == 3 && labels.size(0) == static_cast<int64_t>(m.lambda.variants.size())) {
        for (int64_t v = 0; v < labels.size(0); ++v)
            m.lambda.labels.push_back(labelRows(labels[v]));
    }
    m.lambda.caseLabels = labelRows(readTensor(l, "case_labels"));
    m.lambda.finalCv = readDoubles(l, "final_cv");
    return m;
}

void writeLogitDrift(H5::Group g, const DriftComparison& d)
{
    writeTensor(g, "kl_per_position", d.klPerPosition);
    writeDoubles(g, "kl_per_window", d.klPerWindow);
    writeDoubles(g, "top1_per_window", d.top1PerWindow);
    writeDoubles(g, "delta_p_per_window", d.deltaPPerWindow);
}

void readLogitDrift(const H5::Group& g, DriftComparison& d)
{
    d.klPerWindow = readDoubles(g, "kl_per_window");
    d.top1PerWindow = readDoubles(g, "top1_per_window");
    d.deltaPPerWindow = readDoubles(g, "delta_p_per_window");
}

void writeLayerError(H5::Group g, const LayerErrorMap& e)
{
    writeTensor(g, "rel_error", e.relError);
    writeAttr(g, "linears", joinCommas(e.linears));
}

LayerErrorMap readLayerError(const H5::Group& g)
{
    LayerErrorMap e;
    e.relError = readTensor(g, "rel_error").to(at::kDouble);
    e.linears = splitCommas(readStringAttr(g, "linears"));
    if (e.relError.dim() != 2 || e.relError.size(1) != static_cast<int64_t>(e.linears.size()))
        throw H5::GroupIException("layer_error", "rel_error's columns do not match its linears");
    return e;
}

void writeGatesAndDiagnosis(H5::Group& g, const DriftComparison& d)
{
    Table gates{{"name", "comparison"}, {"value", "threshold", "pass", "fp_value"}, {{}, {}}, {{}, {}, {}, {}}};
    for (const Gate& gate : d.gates) {
        gates.strings[0].push_back(gate.name);
        gates.strings[1].push_back(gate.comparison);
        gates.doubles[0].push_back(gate.value);
        gates.doubles[1].push_back(gate.threshold);
        gates.doubles[2].push_back(gate.pass ? 1.0 : 0.0);
        gates.doubles[3].push_back(gate.fpValue);
    }
    writeTable(g, "gates", gates);
    Table diag{{"symptom", "cause", "next_step", "gates"}, {}, {{}, {}, {}, {}}, {}};
    for (const auto& row : d.diagnosis) {
        diag.strings[0].push_back(row.symptom);
        diag.strings[1].push_back(row.cause);
        diag.strings[2].push_back(row.nextStep);
        diag.strings[3].push_back(joinCommas(row.gates));
    }
    writeTable(g, "diagnosis", diag);
}

void readGatesAndDiagnosis(const H5::Group& g, DriftComparison& d)
{
    const Table gates = readTable(g, "gates", {"name", "comparison"}, {"value", "threshold", "pass", "fp_value"});
    for (size_t i = 0; i < gates.strings[0].size(); ++i) {
        Gate gate;
        gate.name = gates.strings[0][i];
        gate.comparison = gates.strings[1][i];
        gate.value = gates.doubles[0][i];
        gate.threshold = gates.doubles[1][i];
        gate.pass = gates.doubles[2][i] != 0;
        gate.fpValue = gates.doubles[3][i];
        gate.fpPass = std::isnan(gate.fpValue) || passes(gate.fpValue, gate.comparison, gate.threshold);
        d.gates.push_back(gate);
    }
    const Table diag = readTable(g, "diagnosis", {"symptom", "cause", "next_step", "gates"}, {});
    for (size_t i = 0; i < diag.strings[0].size(); ++i)
        d.diagnosis.push_back({diag.strings[0][i], diag.strings[1][i], diag.strings[2][i], splitCommas(diag.strings[3][i])});
}

} // namespace awb
