#include "core/eval/gates.h"

#include "core/eval/entropy_curve.h"

#include <cmath>
#include <map>

namespace awb {

namespace {
Gate atMost(const std::string& name, double value, double threshold)
{
    return {name, value, threshold, "<=", value <= threshold};
}
Gate atLeast(const std::string& name, double value, double threshold)
{
    return {name, value, threshold, ">=", value >= threshold};
}
Gate withFp(Gate g, double fpValue)
{
    g.fpValue = fpValue;
    g.fpPass = g.comparison == "<=" ? fpValue <= g.threshold : g.comparison == ">=" ? fpValue >= g.threshold : fpValue > g.threshold;
    return g;
}
int64_t asOnset(double tokens) { return std::isinf(tokens) ? kNoOnset : static_cast<int64_t>(tokens); }
} // namespace

std::vector<std::pair<std::string, double>> namedFigures(const DriftSummary& m)
{
    std::vector<std::pair<std::string, double>> f{
        {"ppl_fp", m.pplF}, {"ppl_q", m.pplQ}, {"delta_ppl_percent", m.deltaPplPercent}, {"kl_mean", m.klMean}, {"kl_p99", m.klP99},
        {"top1_agreement", m.top1Agreement}, {"delta_p_mean", m.deltaPMean}, {"entropy_onset_fp", m.onsetF},
        {"entropy_onset_q", m.onsetQ}, {"entropy_late_minus_early", m.entropyLateMinusEarly}};
    if (!m.probed)
        return f;
    f.insert(f.end(), {{"free_onset_fp", m.freeOnsetF}, {"free_onset_q", m.freeOnsetQ}, {"repetition_share_fp", m.repetitionShareF},
                       {"repetition_share_q", m.repetitionShareQ}, {"delta_s_q_r_fp", m.deltaSQRF}, {"delta_s_q_r", m.deltaSQR},
                       {"delta_s_r_anchor_fp", m.deltaSRAnchorF}, {"delta_s_r_anchor", m.deltaSRAnchor}, {"delta_s_null", m.deltaSNull},
                       {"drift_mean", m.driftMean}, {"coverage_mean_fp", m.coverageF}, {"coverage_mean", m.coverage},
                       {"anchor_gap_mean_fp", m.anchorGapF}, {"anchor_gap_mean", m.anchorGap},
                       {"lambda_convergent_rate_fp", m.lambdaConvergentRateF}, {"lambda_convergent_rate", m.lambdaConvergentRate},
                       {"lambda_flip_rate_fp", m.lambdaFlipRateF}, {"lambda_flip_rate", m.lambdaFlipRate},
                       {"lambda_lost_cases", m.lambdaLostCases}, {"lambda_final_cv_fp", m.lambdaFinalCvF},
                       {"lambda_final_cv", m.lambdaFinalCv}});
    return f;
}

std::vector<Gate> evaluateGates(const DriftSummary& s, const GateThresholds& t)
{
    std::vector<Gate> g;
    g.push_back(atMost("delta_ppl_percent", s.deltaPplPercent, t.deltaPplPercent));
    g.push_back(atMost("kl_mean", s.klMean, t.klMean));
    g.push_back(atLeast("top1_agreement", s.top1Agreement, t.top1Agreement));
    g.push_back({"entropy_onset", s.onsetQ, s.onsetF, ">=", onsetNotEarlier(asOnset(s.onsetQ), asOnset(s.onsetF))});
    g.push_back(atMost("entropy_late_minus_early", s.entropyLateMinusEarly, t.entropyLateMinusEarly));
    if (!s.probed)
        return g;
    g.push_back(withFp(atMost("delta_s_q_r", s.deltaSQR, t.deltaSQR), s.deltaSQRF));
    g.push_back(atMost("drift_mean", s.driftMean, t.driftMean));
    g.push_back(withFp(atLeast("coverage_mean", s.coverage, t.coverage), s.coverageF));
    Gate gap{"anchor_gap_mean", s.anchorGap, t.anchorGap, ">", s.anchorGap > t.anchorGap};
    g.push_back(withFp(gap, s.anchorGapF));
    g.push_back(atMost("lambda_lost_cases", s.lambdaLostCases, t.lambdaLostCases));
    g.push_back(withFp(atMost("lambda_final_cv", s.lambdaFinalCv, t.lambdaFinalCv), s.lambdaFinalCvF));
    return g;
}

std::vector<DiagnosisRow> diagnose(const std::vector<Gate>& gates)
{
    std::map<std::string, const Gate*> byName;
    for (const Gate& g : gates)
        byName[g.name] = &g;
    // A gate that F itself fails says nothing about quantization: it gets a row of its own instead
    // of a quantization cause (fpPass is true for gates that only make sense as a drift).
    auto failed = [&](const std::string& n) { return byName.count(n) && !byName[n]->pass && byName[n]->fpPass; };
    auto passed = [&](const std::string& n) { return byName.count(n) && byName[n]->pass; };
    std::vector<DiagnosisRow> out;
    auto row = [&](std::vector<std::string> names, const char* symptom, const char* cause, const char* next) {
        std::vector<std::string> hit;
        for (const auto& n : names)
            if (failed(n))
                hit.push_back(n);
        if (!hit.empty())
            out.push_back({symptom, cause, next, hit});
    };
    // The four rows of METRICS.md §6, in its order.
    row({"delta_ppl_percent", "kl_mean", "top1_agreement"}, "Δppl% high, KL high",
        "calibration set does not match the eval domain; group too coarse", "calibration sanity check; sweep smaller q_group_size");
    if (passed("top1_agreement"))
        row({"drift_mean", "lambda_lost_cases", "lambda_final_cv"}, "top-1 agreement fine, ΔS drift high",
            "logit jitter amplified by sampling", "deterministic decoding; re-run λ with header order locked");
    row({"entropy_onset", "entropy_late_minus_early"}, "entropy onset earlier than F", "long-sequence error accumulation",
        "more/longer calibration samples; keep more bits for sensitive layers");
    row({"speedup", "memory"}, "no speed-up, out of memory", "fused layers off, wrong device map, kernels unsupported on this GPU",
        "device check; fused kernels; fall back and say so");
    // Retrieval gates have no row in the note; this workbench's reading.
    row({"delta_s_q_r", "coverage_mean", "anchor_gap_mean"}, "retrieval by Q's embeddings misses or blurs the target where F's does not",
        "quantization error in the layers that shape the final hidden states",
        "open the per-layer error heatmap; keep more bits or a smaller group for its worst layers");
    std::vector<std::string> fpFails;
    for (const Gate& g : gates)
        if (!g.pass && !g.fpPass)
            fpFails.push_back(g.name);
    if (!fpFails.empty())
        out.push_back({"the FP model fails this gate too", "the probe set asks more than the model itself does",
                       "read these gates relative to F; write probes closer to the model's domain", fpFails});
    return out;
}

} // namespace awb
