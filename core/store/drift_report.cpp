#include "core/store/drift_report.h"

#include "core/base/error.h"
#include "core/store/hdf5_util.h"

#include <ATen/ATen.h>
#include <H5Cpp.h>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

namespace awb {

namespace {
using namespace h5;
constexpr int kVersion = 1;

// A compound table of string and double columns; rows are given column-wise.
struct Table {
    std::vector<std::string> stringCols, doubleCols;
    std::vector<std::vector<std::string>> strings; // [col][row]
    std::vector<std::vector<double>> doubles;      // [col][row]
};

void writeTable(H5::Group& g, const std::string& name, const Table& t)
{
    const size_t rows = t.strings.empty() ? (t.doubles.empty() ? 0 : t.doubles[0].size()) : t.strings[0].size();
    const size_t ns = t.stringCols.size(), nd = t.doubleCols.size();
    const size_t rowBytes = ns * sizeof(const char*) + nd * sizeof(double);
    H5::CompType type(rowBytes);
    for (size_t c = 0; c < ns; ++c)
        type.insertMember(t.stringCols[c], c * sizeof(const char*), utf8String());
    for (size_t c = 0; c < nd; ++c)
        type.insertMember(t.doubleCols[c], ns * sizeof(const char*) + c * sizeof(double), H5::PredType::NATIVE_DOUBLE);
    std::vector<unsigned char> buffer(rows * rowBytes);
    for (size_t r = 0; r < rows; ++r) {
        unsigned char* row = buffer.data() + r * rowBytes;
        for (size_t c = 0; c < ns; ++c) {
            const char* p = t.strings[c][r].c_str();
            std::memcpy(row + c * sizeof(const char*), &p, sizeof p);
        }
        for (size_t c = 0; c < nd; ++c)
            std::memcpy(row + ns * sizeof(const char*) + c * sizeof(double), &t.doubles[c][r], sizeof(double));
    }
    hsize_t n = rows;
    H5::DataSet ds = g.createDataSet(name, type, H5::DataSpace(1, &n));
    if (rows)
        ds.write(buffer.data(), type);
}

nlohmann::json settingsJson(const DriftSettings& s)
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

void writeSeries(H5::Group g, const ModelSeries& m, const FpReference& ref, std::string& where)
{
    const auto& s = ref.settings;
    writeAttr(g, "ppl", m.ppl);
    writeAttr(g, "total_nll", m.totalNll);
    writeAttr(g, "scored_tokens", static_cast<double>(m.scoredTokens));
    writeAttr(g, "entropy_onset_block", static_cast<double>(m.onsetBlock));
    writeAttr(g, "free_onset_block", static_cast<double>(m.freeOnsetBlock));
    writeAttr(g, "delta_s_null", m.deltaSNull);
    writeAttr(g, "lambda_convergent_rate", m.lambda.convergentRate);
    where += "/entropy";
    H5::Group e = g.createGroup("entropy");
    writeTensor(e, "teacher_forced", m.entropy);
    writeDoubles(e, "teacher_forced_blocks", m.entropyBlocks);
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
    std::string variants;
    for (const auto& v : m.lambda.variants)
        variants += (variants.empty() ? "" : ",") + v;
    writeAttr(l, "variants", variants);
    std::vector<int64_t> checkpoints;
    for (int64_t t = s.lambdaEvery; t <= s.lambdaTokens; t += s.lambdaEvery)
        checkpoints.push_back(t);
    writeAttr(l, "checkpoints", nlohmann::json(checkpoints).dump());
}
} // namespace

void writeDriftReport(const std::string& path, const DiagnoseResult& r)
{
    const std::string tmp = path + ".tmp";
    std::string where = "/";
    try {
        H5::Exception::dontPrint();
        {
            H5::H5File file(tmp, H5F_ACC_TRUNC);
            H5::Group root = file.openGroup("/");
            const auto& p = r.provenance;
            const auto& ref = r.reference;
            const auto& d = r.drift;
            writeAttr(root, "format", std::string("awb-drift-report"));
            writeAttr(root, "version", static_cast<double>(kVersion));
            writeAttr(root, "tool_version", p.toolVersion);
            writeAttr(root, "created", p.created);
            writeAttr(root, "fp_model", p.fpModel);
            writeAttr(root, "fp_model_hash", p.fpModelHash);
            writeAttr(root, "fp_dtype", p.fpDtype);
            writeAttr(root, "q_source", p.qSource);
            writeAttr(root, "q_model_hash", p.qModelHash);
            writeAttr(root, "method", p.method);
            writeAttr(root, "quant", p.quantLabel);
            writeAttr(root, "calibration", p.calibration);
            writeAttr(root, "calib_sources", nlohmann::json(p.calibSources).dump());
            writeAttr(root, "eval_text", p.evalText);
            writeAttr(root, "eval_text_hash", p.evalTextHash);
            writeAttr(root, "probe_set", p.probes);
            writeAttr(root, "probe_set_hash", p.probesHash);
            writeAttr(root, "total_seconds", r.totalSeconds);
            writeAttr(root, "settings", settingsJson(ref.settings).dump());

            const DriftSummary& m = d.summary;
            where = "/summary";
            Table summary{{"metric"}, {"value"}, {{}}, {{}}};
            auto add = [&](const char* name, double v) {
                summary.strings[0].push_back(name);
                summary.doubles[0].push_back(v);
            };
            add("ppl_fp", m.pplF), add("ppl_q", m.pplQ), add("delta_ppl_percent", m.deltaPplPercent);
            add("kl_mean", m.klMean), add("kl_p99", m.klP99), add("top1_agreement", m.top1Agreement), add("delta_p_mean", m.deltaPMean);
            add("entropy_onset_fp", m.onsetF), add("entropy_onset_q", m.onsetQ), add("entropy_late_minus_early", m.entropyLateMinusEarly);
            add("free_onset_fp", m.freeOnsetF), add("free_onset_q", m.freeOnsetQ);
            add("repetition_share_fp", m.repetitionShareF), add("repetition_share_q", m.repetitionShareQ);
            add("delta_s_q_r_fp", m.deltaSQRF), add("delta_s_q_r", m.deltaSQR), add("delta_s_r_anchor_fp", m.deltaSRAnchorF);
            add("delta_s_r_anchor", m.deltaSRAnchor), add("delta_s_null", m.deltaSNull), add("drift_mean", m.driftMean);
            add("coverage_mean_fp", m.coverageF), add("coverage_mean", m.coverage), add("anchor_gap_mean_fp", m.anchorGapF);
            add("anchor_gap_mean", m.anchorGap), add("lambda_convergent_rate_fp", m.lambdaConvergentRateF);
            add("lambda_convergent_rate", m.lambdaConvergentRate), add("lambda_flip_rate_fp", m.lambdaFlipRateF);
            add("lambda_flip_rate", m.lambdaFlipRate), add("lambda_lost_cases", m.lambdaLostCases);
            add("lambda_final_cv_fp", m.lambdaFinalCvF), add("lambda_final_cv", m.lambdaFinalCv);
            writeTable(root, "summary", summary);

            where = "/gates";
            Table gates{{"name", "comparison"}, {"value", "threshold", "pass", "fp_value"}, {{}, {}}, {{}, {}, {}, {}}};
            for (const Gate& g : d.gates) {
                gates.strings[0].push_back(g.name);
                gates.strings[1].push_back(g.comparison);
                gates.doubles[0].push_back(g.value);
                gates.doubles[1].push_back(g.threshold);
                gates.doubles[2].push_back(g.pass ? 1.0 : 0.0);
                gates.doubles[3].push_back(g.fpValue);
            }
            writeTable(root, "gates", gates);
            where = "/diagnosis";
            Table diag{{"symptom", "cause", "next_step", "gates"}, {}, {{}, {}, {}, {}}, {}};
            for (const auto& row : d.diagnosis) {
                std::string names;
                for (const auto& n : row.gates)
                    names += (names.empty() ? "" : ",") + n;
                diag.strings[0].push_back(row.symptom);
                diag.strings[1].push_back(row.cause);
                diag.strings[2].push_back(row.nextStep);
                diag.strings[3].push_back(names);
            }
            writeTable(root, "diagnosis", diag);
            where = "/timings";
            Table timings{{"stage"}, {"seconds"}, {{}}, {{}}};
            for (const auto& [stage, s] : r.seconds) {
                timings.strings[0].push_back(stage);
                timings.doubles[0].push_back(s);
            }
            writeTable(root, "timings", timings);
            writeStrings(root, "warnings", r.warnings);

            where = "/probe_set";
            H5::Group ps = root.createGroup("probe_set");
            std::vector<std::string> ids, titles, questions;
            std::vector<int64_t> targets;
            for (const auto& s : ref.probes.sections) {
                ids.push_back(s.id);
                titles.push_back(s.title);
            }
            for (const auto& c : ref.probes.cases) {
                questions.push_back(c.question);
                targets.push_back(c.targetIndex);
            }
            writeAttr(ps, "name", ref.probes.name);
            writeStrings(ps, "section_ids", ids);
            writeStrings(ps, "section_titles", titles);
            writeStrings(ps, "questions", questions);
            writeTensor(ps, "case_targets", at::tensor(targets, at::kLong));
            where = "/corpus";
            H5::Group corpus = root.createGroup("corpus");
            auto ranges = [](const std::vector<TokenRange>& v) {
                std::vector<int64_t> flat;
                for (const auto& t : v)
                    flat.insert(flat.end(), {t.begin, t.end});
                return at::tensor(flat, at::kLong).view({static_cast<int64_t>(v.size()), 2});
            };
            writeTensor(corpus, "section_ranges", ranges(ref.corpus.sections));
            writeTensor(corpus, "chunk_ranges", ranges(ref.corpus.chunks));
            where = "/cases";
            H5::Group cases = root.createGroup("cases");
            writeDoubles(cases, "drift", d.caseDrift);
            writeTensor(cases, "lambda_lost", boolTensor(d.lambdaLost));

            where = "/fp";
            writeSeries(root.createGroup("fp"), ref.fp, ref, where);
            H5::Group fpEmb = file.openGroup("/fp/embeddings");
            writeTensor(fpEmb, "mu", ref.mu);
            where = "/q";
            H5::Group q = root.createGroup("q");
            writeSeries(q, d.q, ref, where);
            where = "/q/logit_drift";
            H5::Group ld = q.createGroup("logit_drift");
            writeTensor(ld, "kl_per_position", d.klPerPosition);
            writeDoubles(ld, "kl_per_window", d.klPerWindow);
            writeDoubles(ld, "top1_per_window", d.top1PerWindow);
            writeDoubles(ld, "delta_p_per_window", d.deltaPPerWindow);
            where = "/q/layer_error";
            H5::Group le = q.createGroup("layer_error");
            writeTensor(le, "rel_error", r.layerError.relError);
            std::string linears;
            for (const auto& n : r.layerError.linears)
                linears += (linears.empty() ? "" : ",") + n;
            writeAttr(le, "linears", linears);
            if (r.hasCalibrationSanity) {
                where = "/calibration_sanity";
                H5::Group cs = root.createGroup("calibration_sanity");
                const auto& c = r.calibrationSanity;
                writeAttr(cs, "js_divergence", c.jsDivergence);
                writeAttr(cs, "delta_s", c.deltaS);
                writeAttr(cs, "short_share", c.shortShare);
                writeAttr(cs, "samples", static_cast<double>(c.samples));
                writeAttr(cs, "short_samples", static_cast<double>(c.shortSamples));
                writeAttr(cs, "block_length", static_cast<double>(c.blockLength));
            }
            file.flush(H5F_SCOPE_GLOBAL);
        }
        if (std::rename(tmp.c_str(), path.c_str()) != 0)
            throw IoError(path + ": rename failed");
    } catch (const H5::Exception& e) {
        std::remove(tmp.c_str());
        throw IoError(path + ": cannot write HDF5 at " + where + ": " + e.getDetailMsg());
    } catch (...) {
        std::remove(tmp.c_str());
        throw;
    }
}

} // namespace awb
