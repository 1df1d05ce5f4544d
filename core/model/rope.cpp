#include "core/model/rope.h"

#include "core/base/error.h"

#include <ATen/ATen.h>
#include <cmath>
#include <nlohmann/json.hpp>

namespace awb {

namespace {

// theta^(-2i/d) in fp32 (positions as fp32 later): the rounding of llama2.c, Meta and transformers.
at::Tensor defaultInvFreq(double theta, int64_t dim)
{
    at::Tensor exponents = at::arange(0, dim, 2, at::kFloat).slice(0, 0, dim / 2) / static_cast<float>(dim);
    return 1.0 / at::pow(at::scalar_tensor(static_cast<float>(theta), at::kFloat), exponents);
}

// _compute_llama3_parameters: wavelengths above the pretraining context are stretched by factor,
// those below context/high_freq_factor kept, a linear blend in between.
at::Tensor llama3InvFreq(const at::Tensor& invFreq, const RopeScaling& s)
{
    const double old = static_cast<double>(s.originalMaxPositions);
    const double lowWavelen = old / s.lowFreqFactor, highWavelen = old / s.highFreqFactor;
    const at::Tensor wavelen = (2 * M_PI) / invFreq;
    at::Tensor scaled = at::where(wavelen > lowWavelen, invFreq / s.factor, invFreq);
    const at::Tensor smooth = (old / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    const at::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
    const at::Tensor medium = (wavelen >= highWavelen).logical_and(wavelen <= lowWavelen);
    return at::where(medium, smoothed, scaled);
}

// _compute_yarn_parameters: interpolated frequencies below the correction range, extrapolated
// above, a linear ramp across it.
at::Tensor yarnInvFreq(double theta, int64_t dim, const RopeScaling& s)
{
    const double maxPos = static_cast<double>(s.originalMaxPositions);
    auto correctionDim = [&](double rotations) { return dim * std::log(maxPos / (rotations * 2 * M_PI)) / (2 * std::log(theta)); };
    const double low = std::max(std::floor(correctionDim(s.betaFast)), 0.0);
    double high = std::min(std::ceil(correctionDim(s.betaSlow)), static_cast<double>(dim - 1));
    if (low == high)
        high += 0.001; // transformers' guard against a zero-width ramp
    const at::Tensor posFreqs = at::pow(at::scalar_tensor(static_cast<float>(theta), at::kFloat),
                                        at::arange(0, dim, 2, at::kFloat) / static_cast<float>(dim));
    const at::Tensor extrapolation = 1.0 / posFreqs;
    const at::Tensor interpolation = 1.0 / (s.factor * posFreqs);
    const at::Tensor ramp = at::clamp((at::arange(dim / 2, at::kFloat) - low) / (high - low), 0, 1);
    const at::Tensor extrapolationFactor = 1 - ramp;
    return interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
}

} // namespace

RopeFrequencies ropeFrequencies(const ModelConfig& c, int64_t seqLen)
{
    const RopeScaling& s = c.ropeScaling;
    const int64_t dim = c.headDim;
    RopeFrequencies f;
    switch (s.type) {
    case RopeType::Default:
        f.invFreq = defaultInvFreq(c.ropeTheta, dim);
        break;
    case RopeType::Linear:
        f.invFreq = defaultInvFreq(c.ropeTheta, dim) / s.factor;
        break;
    case RopeType::Dynamic: {
        double theta = c.ropeTheta;
        const double maxPos = static_cast<double>(s.originalMaxPositions);
        if (seqLen > s.originalMaxPositions)
            theta *= std::pow(s.factor * static_cast<double>(seqLen) / maxPos - (s.factor - 1),
                              static_cast<double>(dim) / static_cast<double>(dim - 2));
        f.invFreq = defaultInvFreq(theta, dim);
        break;
    }
    case RopeType::Llama3:
        f.invFreq = llama3InvFreq(defaultInvFreq(c.ropeTheta, dim), s);
        break;
    case RopeType::Yarn:
        f.invFreq = yarnInvFreq(c.ropeTheta, dim, s);
        f.attentionScaling = s.attentionFactor > 0 ? s.attentionFactor : 0.1 * std::log(s.factor) + 1.0;
        break;
    }
    return f;
}

} // namespace awb
