#include "app/cli/diagnose_print.h"

#include <cmath>
#include <cstdio>

namespace awb::cli {

namespace {
nlohmann::json finite(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
std::string onset(double v)
{
    return std::isfinite(v) ? std::to_string(static_cast<int64_t>(v)) : std::string("inf");
}
} // namespace

void printDiagnoseTable(const DiagnoseResult& r)
{
    const DriftSummary& m = r.drift.summary;
    std::FILE* e = stderr;
    std::fprintf(e, "\n%-28s %12s %12s\n", "metric", "FP", "quantized");
    std::fprintf(e, "%-28s %12.4f %12.4f  (%+.2f%%)\n", "perplexity", m.pplF, m.pplQ, m.deltaPplPercent);
    std::fprintf(e, "%-28s %12s %12.5f  (p99 %.5f)\n", "KL(P_F || P_Q) mean, nats", "", m.klMean, m.klP99);
    std::fprintf(e, "%-28s %12s %12.4f  (mean Δp correct %+.5f)\n", "top-1 agreement", "", m.top1Agreement, m.deltaPMean);
    std::fprintf(e, "%-28s %12s %12s\n", "entropy onset t*, tokens", onset(m.onsetF).c_str(), onset(m.onsetQ).c_str());
    std::fprintf(e, "%-28s %12s %12s\n", "free-running onset, tokens", onset(m.freeOnsetF).c_str(), onset(m.freeOnsetQ).c_str());
    std::fprintf(e, "%-28s %12.3f %12.3f\n", "repetition share", m.repetitionShareF, m.repetitionShareQ);
    std::fprintf(e, "%-28s %12.4f %12.4f\n", "ΔS(q, r) mean", m.deltaSQRF, m.deltaSQR);
    std::fprintf(e, "%-28s %12.4f %12.4f\n", "ΔS(r, anchor) mean", m.deltaSRAnchorF, m.deltaSRAnchor);
    std::fprintf(e, "%-28s %12.4f\n", "ΔS_null (F)", m.deltaSNull);
    std::fprintf(e, "%-28s %12s %12.4f\n", "drift mean", "", m.driftMean);
    std::fprintf(e, "%-28s %12.4f %12.4f\n", "coverage mean", m.coverageF, m.coverage);
    std::fprintf(e, "%-28s %12.4f %12.4f\n", "anchor gap mean", m.anchorGapF, m.anchorGap);
    std::fprintf(e, "%-28s %12.3f %12.3f\n", "λ convergent rate", m.lambdaConvergentRateF, m.lambdaConvergentRate);
    std::fprintf(e, "%-28s %12.3f %12.3f\n", "λ flip rate", m.lambdaFlipRateF, m.lambdaFlipRate);
    std::fprintf(e, "%-28s %12.3f %12.3f\n", "λ final δ σ/μ", m.lambdaFinalCvF, m.lambdaFinalCv);
    std::fprintf(e, "\ngates\n");
    for (const Gate& g : r.drift.gates)
        std::fprintf(e, "  %-26s %-4s %10.4f %-2s %10.4f%s\n", g.name.c_str(), g.pass ? "pass" : "FAIL", g.value, g.comparison.c_str(),
                     g.threshold, std::isnan(g.fpValue) ? "" : ("   (F: " + std::to_string(g.fpValue) + ")").c_str());
    if (!r.drift.diagnosis.empty())
        std::fprintf(e, "\ndiagnosis\n");
    for (const auto& d : r.drift.diagnosis)
        std::fprintf(e, "  %s\n    likely cause: %s\n    next step: %s\n", d.symptom.c_str(), d.cause.c_str(), d.nextStep.c_str());
    if (r.hasCalibrationSanity)
        std::fprintf(e, "\ncalibration sanity: JS %.4f nats, ΔS of means %.4f, short samples %.1f%% of %lld\n", r.calibrationSanity.jsDivergence,
                     r.calibrationSanity.deltaS, 100 * r.calibrationSanity.shortShare, static_cast<long long>(r.calibrationSanity.samples));
    std::fprintf(e, "\ntime (s)\n");
    for (const auto& [stage, s] : r.seconds)
        std::fprintf(e, "  %-30s %8.2f\n", stage.c_str(), s);
    std::fprintf(e, "  %-30s %8.2f\n", "total", r.totalSeconds);
}

nlohmann::json diagnoseJson(const DiagnoseResult& r, const std::string& reportPath)
{
    const DriftSummary& m = r.drift.summary;
    nlohmann::json gates = nlohmann::json::object();
    for (const Gate& g : r.drift.gates)
        gates[g.name] = {{"value", finite(g.value)}, {"threshold", finite(g.threshold)}, {"pass", g.pass}, {"comparison", g.comparison},
                         {"fp_value", finite(g.fpValue)}};
    nlohmann::json diagnosis = nlohmann::json::array();
    for (const auto& d : r.drift.diagnosis)
        diagnosis.push_back({{"symptom", d.symptom}, {"cause", d.cause}, {"next_step", d.nextStep}, {"gates", d.gates}});
    nlohmann::json seconds = nlohmann::json::object();
    for (const auto& [stage, s] : r.seconds)
        seconds[stage] = s;
    nlohmann::json out = {
        {"ppl_fp", m.pplF}, {"ppl_q", m.pplQ}, {"delta_ppl_percent", m.deltaPplPercent}, {"kl_mean", m.klMean}, {"kl_p99", m.klP99},
        {"top1_agreement", m.top1Agreement}, {"delta_p_mean", m.deltaPMean}, {"entropy_onset_fp", finite(m.onsetF)},
        {"entropy_onset_q", finite(m.onsetQ)}, {"entropy_late_minus_early", m.entropyLateMinusEarly},
        {"free_onset_fp", finite(m.freeOnsetF)}, {"free_onset_q", finite(m.freeOnsetQ)}, {"repetition_share_fp", m.repetitionShareF},
        {"repetition_share_q", m.repetitionShareQ}, {"delta_s_q_r_fp", m.deltaSQRF}, {"delta_s_q_r", m.deltaSQR},
        {"delta_s_r_anchor_fp", m.deltaSRAnchorF}, {"delta_s_r_anchor", m.deltaSRAnchor}, {"delta_s_null", m.deltaSNull},
        {"drift_mean", m.driftMean}, {"coverage_mean_fp", m.coverageF}, {"coverage_mean", m.coverage}, {"anchor_gap_mean_fp", m.anchorGapF},
        {"anchor_gap_mean", m.anchorGap}, {"lambda_convergent_rate_fp", m.lambdaConvergentRateF},
        {"lambda_convergent_rate", m.lambdaConvergentRate}, {"lambda_flip_rate_fp", finite(m.lambdaFlipRateF)}, {"lambda_flip_rate", m.lambdaFlipRate},
        {"lambda_lost_cases", m.lambdaLostCases}, {"lambda_final_cv_fp", m.lambdaFinalCvF}, {"lambda_final_cv", m.lambdaFinalCv},
        {"gates", gates}, {"diagnosis", diagnosis}, {"seconds", seconds}, {"seconds_total", r.totalSeconds},
        {"warnings", r.warnings}, {"report", reportPath.empty() ? nlohmann::json(nullptr) : nlohmann::json(reportPath)},
        {"quant", r.provenance.quantLabel}, {"method", r.provenance.method}};
    const at::Tensor& le = r.layerError.relError;
    nlohmann::json rows = nlohmann::json::array();
    for (int64_t b = 0; b < le.size(0); ++b) {
        std::vector<double> row;
        for (int64_t l = 0; l < le.size(1); ++l)
            row.push_back(le[b][l].item<double>());
        rows.push_back(row);
    }
    out["layer_error"] = {{"linears", r.layerError.linears}, {"rel_error", rows}};
    if (r.hasCalibrationSanity)
        out["calibration_sanity"] = {{"js_divergence", r.calibrationSanity.jsDivergence}, {"delta_s", r.calibrationSanity.deltaS},
                                     {"short_share", r.calibrationSanity.shortShare}};
    return out;
}

} // namespace awb::cli
