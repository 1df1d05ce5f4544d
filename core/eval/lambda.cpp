#include "core/eval/lambda.h"

#include <array>
#include <cmath>
#include <limits>

namespace awb {

const char* lambdaSymbol(LambdaLabel l)
{
    switch (l) {
    case LambdaLabel::Convergent: return "->";
    case LambdaLabel::Chaotic: return "x";
    case LambdaLabel::Divergent: return "<-";
    case LambdaLabel::Recursive: return "<>";
    }
    return "?";
}

const char* lambdaName(LambdaLabel l)
{
    switch (l) {
    case LambdaLabel::Convergent: return "convergent";
    case LambdaLabel::Chaotic: return "chaotic";
    case LambdaLabel::Divergent: return "divergent";
    case LambdaLabel::Recursive: return "recursive";
    }
    return "?";
}

double leastSquaresSlope(const std::vector<double>& y)
{
    const size_t n = y.size();
    if (n < 2)
        return 0;
    const double xMean = (static_cast<double>(n) - 1) / 2;
    double yMean = 0;
    for (double v : y)
        yMean += v;
    yMean /= static_cast<double>(n);
    double num = 0, den = 0;
    for (size_t i = 0; i < n; ++i) {
        num += (static_cast<double>(i) - xMean) * (y[i] - yMean);
        den += (static_cast<double>(i) - xMean) * (static_cast<double>(i) - xMean);
    }
    return num / den;
}

LambdaLabel lambdaLabel(const std::vector<double>& delta, double minDistractorLast, const LambdaThresholds& t)
{
    if (delta.empty())
        return LambdaLabel::Recursive;
    const double slope = leastSquaresSlope(delta);
    const double last = delta.back();
    if (slope <= 0 && last <= t.convergentLastDelta)
        return LambdaLabel::Convergent;
    if (minDistractorLast < last)
        return LambdaLabel::Chaotic;
    if (slope > t.divergentSlope)
        return LambdaLabel::Divergent;
    return LambdaLabel::Recursive;
}

LambdaLabel caseLabel(const std::vector<LambdaLabel>& runs)
{
    if (runs.empty())
        return LambdaLabel::Recursive;
    std::array<int, 4> count{};
    for (LambdaLabel l : runs)
        ++count[static_cast<size_t>(l)];
    if (count[0] == static_cast<int>(runs.size()))
        return LambdaLabel::Convergent;
    LambdaLabel best = LambdaLabel::Chaotic;
    for (LambdaLabel l : {LambdaLabel::Chaotic, LambdaLabel::Divergent, LambdaLabel::Recursive})
        if (count[static_cast<size_t>(l)] > count[static_cast<size_t>(best)])
            best = l;
    return best;
}

double coefficientOfVariation(const std::vector<double>& values)
{
    if (values.empty())
        return 0;
    double mean = 0;
    for (double v : values)
        mean += v;
    mean /= static_cast<double>(values.size());
    double var = 0;
    for (double v : values)
        var += (v - mean) * (v - mean);
    const double sigma = std::sqrt(var / static_cast<double>(values.size()));
    if (sigma == 0)
        return 0;
    return mean == 0 ? std::numeric_limits<double>::infinity() : sigma / std::abs(mean);
}

} // namespace awb
