#include "core/eval/entropy_curve.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <vector>

namespace awb {

std::vector<double> nanColumnMean(const at::Tensor& matrix)
{
    at::Tensor m = matrix.to(at::kDouble).contiguous();
    at::Tensor valid = m.isnan().logical_not();
    at::Tensor sums = at::where(valid, m, at::zeros_like(m)).sum(0);
    at::Tensor counts = valid.sum(0).to(at::kDouble);
    at::Tensor mean = (sums / counts).contiguous(); // 0/0 = NaN where no row has a value
    return std::vector<double>(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
}

std::vector<double> blockMeans(const std::vector<double>& perPosition, int64_t blockSize)
{
    std::vector<double> out;
    for (size_t begin = 0; begin < perPosition.size(); begin += static_cast<size_t>(blockSize)) {
        double sum = 0;
        int64_t n = 0;
        for (size_t i = begin; i < std::min(perPosition.size(), begin + static_cast<size_t>(blockSize)); ++i)
            if (!std::isnan(perPosition[i])) {
                sum += perPosition[i];
                ++n;
            }
        out.push_back(n ? sum / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN());
    }
    return out;
}

int64_t entropyOnset(const std::vector<double>& blocks, const OnsetOptions& o)
{
    const int64_t n = static_cast<int64_t>(blocks.size());
    auto risen = [&](int64_t c) {
        double lowest = std::numeric_limits<double>::infinity();
        for (int64_t b = 0; b < c; ++b)
            if (!std::isnan(blocks[static_cast<size_t>(b)]))
                lowest = std::min(lowest, blocks[static_cast<size_t>(b)]);
        return std::isfinite(lowest) && blocks[static_cast<size_t>(c)] - lowest >= o.rise;
    };
    for (int64_t b = std::max<int64_t>(o.minBlock, 1); b + o.consecutive <= n; ++b) {
        bool all = true;
        for (int64_t c = b; c < b + o.consecutive && all; ++c)
            all = risen(c);
        if (all)
            return b;
    }
    return kNoOnset;
}

bool onsetNotEarlier(int64_t onsetQ, int64_t onsetF)
{
    if (onsetQ == kNoOnset)
        return true;
    if (onsetF == kNoOnset)
        return false;
    return onsetQ >= onsetF;
}

double lateMinusEarly(const std::vector<double>& blocksF, const std::vector<double>& blocksQ)
{
    const size_t n = std::min(blocksF.size(), blocksQ.size());
    if (n < 2)
        return 0;
    const size_t half = n / 2;
    double early = 0, late = 0;
    for (size_t i = 0; i < half; ++i)
        early += blocksQ[i] - blocksF[i];
    for (size_t i = half; i < n; ++i)
        late += blocksQ[i] - blocksF[i];
    return late / static_cast<double>(n - half) - early / static_cast<double>(half);
}

double distinctNgramRatio(const std::vector<int64_t>& tokens, int64_t window, int64_t n)
{
    const size_t begin = tokens.size() > static_cast<size_t>(window) ? tokens.size() - static_cast<size_t>(window) : 0;
    const size_t len = tokens.size() - begin;
    if (len < static_cast<size_t>(n))
        return 1.0;
    std::set<std::vector<int64_t>> distinct;
    const size_t total = len - static_cast<size_t>(n) + 1;
    for (size_t i = begin; i + static_cast<size_t>(n) <= tokens.size(); ++i)
        distinct.emplace(tokens.begin() + static_cast<std::ptrdiff_t>(i), tokens.begin() + static_cast<std::ptrdiff_t>(i) + n);
    return static_cast<double>(distinct.size()) / static_cast<double>(total);
}

} // namespace awb
