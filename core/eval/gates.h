#pragma once
// Acceptance gates and the diagnosis table (docs/METRICS.md §2-§6). The gates read a DriftSummary
// (the figures of one F/Q comparison) and thresholds that are settings; the diagnosis maps the failed
// gates to symptom -> likely cause -> next step. Pure functions; any thread.
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace awb {

// The figures the gates read. Onsets are in tokens (block index x block size); infinity = no onset.
struct DriftSummary {
    double pplF = 0, pplQ = 0, deltaPplPercent = 0;
    double klMean = 0, klP99 = 0, top1Agreement = 1, deltaPMean = 0;
    double onsetF = std::numeric_limits<double>::infinity(), onsetQ = std::numeric_limits<double>::infinity();
    double entropyLateMinusEarly = 0;
    // Whether a probe set was run. Without one (a sweep without --probes) only the figures above
    // were measured: the ones below keep their defaults and their gates are not evaluated.
    bool probed = true;
    double freeOnsetF = std::numeric_limits<double>::infinity(), freeOnsetQ = std::numeric_limits<double>::infinity();
    double repetitionShareF = 0, repetitionShareQ = 0; // share of free-running prompts flagged
    // Retrieval, means over cases; F's own values are given so a gate the FP model already fails is
    // diagnosed as a probe-set problem, not a quantization one.
    double deltaSQRF = 0, deltaSQR = 0, deltaSRAnchorF = 0, deltaSRAnchor = 0, deltaSNull = 0;
    double driftMean = 0, coverageF = 0, coverage = 0, anchorGapF = 0, anchorGap = 0;
    double lambdaConvergentRateF = 0, lambdaConvergentRate = 0; // share of cases →
    double lambdaFlipRateF = 0, lambdaFlipRate = 0;             // share of cases with a λ flip
    double lambdaLostCases = 0;                                 // cases → for F and not for Q
    double lambdaFinalCvF = 0, lambdaFinalCv = 0;               // mean over cases of σ/μ of the final δ
};

// Defaults: the guardrail note's where it gives one (entropy, ΔS, drift, coverage, anchor gap, λ);
// the Δppl%, KL and top-1 thresholds are this workbench's (the note only says "high" / "fine").
struct GateThresholds {
    double deltaPplPercent = 10.0;   // Δppl% at most
    double klMean = 0.10;            // nats, at most
    double top1Agreement = 0.90;     // at least
    double entropyLateMinusEarly = 0.10; // nats, at most
    double deltaSQR = 0.45;          // ΔS(q, r) mean, at most
    double driftMean = 0.10;         // at most
    double coverage = 0.70;          // at least
    double anchorGap = 0.05;         // gap above this (at or below: the boundary is flattened)
    double lambdaLostCases = 0;      // cases → for F but not Q, at most
    double lambdaFinalCv = 0.15;     // at most
};

// Every figure of the summary by its report name ("ppl_fp", "kl_mean", ..., "lambda_final_cv"), in
// a fixed order: the drift report's /summary table and the columns of a sweep store. Without a probe
// set (summary.probed false) only the figures up to entropy_late_minus_early.
std::vector<std::pair<std::string, double>> namedFigures(const DriftSummary& summary);

struct Gate {
    std::string name;
    double value = 0;
    double threshold = 0; // for entropy_onset: t*_F
    std::string comparison; // "<=", ">=", ">"
    bool pass = true;
    double fpValue = std::numeric_limits<double>::quiet_NaN(); // F's own value for absolute gates, else NaN
    bool fpPass = true;
};

std::vector<Gate> evaluateGates(const DriftSummary& summary, const GateThresholds& thresholds = {});

struct DiagnosisRow {
    std::string symptom, cause, nextStep;
    std::vector<std::string> gates; // the failed gates that raised this row
};

// One row per symptom whose gates failed, in the table's order; empty when every gate passes.
// Gate names this function knows beyond evaluateGates(): "speedup" and "memory" (from a deployment
// check), mapped to the table's last row.
std::vector<DiagnosisRow> diagnose(const std::vector<Gate>& gates);

} // namespace awb
