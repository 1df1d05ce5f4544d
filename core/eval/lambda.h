#pragma once
// λ labels (docs/METRICS.md §5): how one sampled answer's distance to the anchor, δ_t = ΔS(answer_t, a)
// every 16 tokens, moves as the answer grows, and what that says about a case. Pure functions.
#include <cstdint>
#include <string>
#include <vector>

namespace awb {

enum class LambdaLabel : int8_t { Convergent = 0, Chaotic = 1, Divergent = 2, Recursive = 3 };
const char* lambdaSymbol(LambdaLabel label); // "->", "x", "<-", "<>"
const char* lambdaName(LambdaLabel label);   // "convergent", "chaotic", "divergent", "recursive"

struct LambdaThresholds {
    double convergentLastDelta = 0.45; // last δ at most this for →
    double divergentSlope = 0.02;      // δ per step (one step = one checkpoint, 16 tokens) above this for ←
};

// Least-squares slope of y over x = 0, 1, 2, ... (0 for fewer than 2 points).
double leastSquaresSlope(const std::vector<double>& y);

// The label of one run, checked in the note's order: → (slope <= 0 and last δ <= threshold), else ×
// (the last answer is closer to a distractor section than to the anchor: minDistractorLast < last δ),
// else ← (slope > divergentSlope), else <>. An empty trajectory is <>.
LambdaLabel lambdaLabel(const std::vector<double>& delta, double minDistractorLast, const LambdaThresholds& t = {});

// A case's label over its runs: → when every run is →; otherwise the most frequent of the other labels
// (ties: ×, then ←, then <>), so a λ flip compares like with like. No runs: <>.
LambdaLabel caseLabel(const std::vector<LambdaLabel>& runs);

// σ/μ (population σ) of the runs' final δ; 0 when all are 0.
double coefficientOfVariation(const std::vector<double>& values);

} // namespace awb
