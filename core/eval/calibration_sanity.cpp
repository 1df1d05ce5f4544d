#include "core/eval/calibration_sanity.h"

#include "core/eval/embedding.h"

#include <ATen/ATen.h>
#include <cmath>
#include <cstdio>

namespace awb {

double unigramJsDivergence(const std::vector<int64_t>& a, const std::vector<int64_t>& b, int64_t vocab)
{
    std::vector<double> p(static_cast<size_t>(vocab), 0.0), q(static_cast<size_t>(vocab), 0.0);
    double na = 0, nb = 0;
    for (int64_t t : a)
        if (t >= 0 && t < vocab) {
            p[static_cast<size_t>(t)] += 1;
            na += 1;
        }
    for (int64_t t : b)
        if (t >= 0 && t < vocab) {
            q[static_cast<size_t>(t)] += 1;
            nb += 1;
        }
    if (na == 0 || nb == 0)
        return 0;
    double js = 0;
    for (size_t i = 0; i < p.size(); ++i) {
        const double pi = p[i] / na, qi = q[i] / nb, m = (pi + qi) / 2;
        if (pi > 0)
            js += 0.5 * pi * std::log(pi / m);
        if (qi > 0)
            js += 0.5 * qi * std::log(qi / m);
    }
    return js;
}

namespace {
// Up to n items evenly spaced over the list (all when it is shorter).
std::vector<std::vector<int64_t>> spaced(const std::vector<std::vector<int64_t>>& items, int64_t n)
{
    if (static_cast<int64_t>(items.size()) <= n)
        return items;
    std::vector<std::vector<int64_t>> out;
    for (int64_t i = 0; i < n; ++i)
        out.push_back(items[static_cast<size_t>(i * static_cast<int64_t>(items.size()) / n)]);
    return out;
}

std::string fmt(const char* f, double a, double b)
{
    char s[256];
    std::snprintf(s, sizeof s, f, a, b);
    return s;
}
} // namespace

CalibrationSanity checkCalibration(const Model& fp, const std::vector<std::vector<int64_t>>& samples,
                                   const std::vector<int64_t>& target, int64_t blockLength, const at::Tensor& mu,
                                   const CalibrationSanityThresholds& t, JobContext* job, int64_t maxEmbedded)
{
    CalibrationSanity r;
    r.blockLength = blockLength;
    r.samples = static_cast<int64_t>(samples.size());
    std::vector<int64_t> calibTokens;
    std::vector<std::vector<int64_t>> withoutBos;
    for (const auto& s : samples) {
        if (static_cast<int64_t>(s.size()) < blockLength)
            ++r.shortSamples;
        const bool bos = !s.empty() && s.front() == fp.config.bosId;
        withoutBos.emplace_back(s.begin() + (bos ? 1 : 0), s.end());
        calibTokens.insert(calibTokens.end(), withoutBos.back().begin(), withoutBos.back().end());
    }
    r.shortShare = r.samples ? static_cast<double>(r.shortSamples) / static_cast<double>(r.samples) : 0.0;
    r.jsDivergence = unigramJsDivergence(calibTokens, target, fp.config.vocabSize);
    // Target windows as long as a calibration block, so both sides are embedded alike.
    std::vector<std::vector<int64_t>> windows;
    const size_t step = static_cast<size_t>(std::max<int64_t>(1, std::min(blockLength, fp.config.maxSeqLen) - 1));
    for (size_t i = 0; i < target.size(); i += step)
        windows.emplace_back(target.begin() + static_cast<std::ptrdiff_t>(i),
                             target.begin() + static_cast<std::ptrdiff_t>(std::min(target.size(), i + step)));
    if (!withoutBos.empty() && !windows.empty()) {
        const at::Tensor c = pooledHidden(fp, spaced(withoutBos, maxEmbedded), job).mean(0);
        const at::Tensor w = pooledHidden(fp, spaced(windows, maxEmbedded), job).mean(0);
        r.deltaS = deltaS1(centreNormalise(c, mu), centreNormalise(w, mu));
    }
    if (r.jsDivergence > t.jsDivergence)
        r.warnings.push_back(fmt("calibration sanity: token unigram JS divergence %.3f nats to the target text exceeds %.3f", r.jsDivergence,
                                 t.jsDivergence));
    if (r.deltaS > t.deltaS)
        r.warnings.push_back(fmt("calibration sanity: ΔS %.3f between mean embeddings of calibration and target exceeds %.3f", r.deltaS, t.deltaS));
    if (r.shortShare > t.shortShare)
        r.warnings.push_back(fmt("calibration sanity: %.0f%% of samples are shorter than a block (threshold %.0f%%)", 100 * r.shortShare,
                                 100 * t.shortShare));
    if (job)
        for (const auto& w : r.warnings)
            job->warn(w);
    return r;
}

} // namespace awb
