#pragma once
// Calibration sanity (docs/METRICS.md §6): does the calibration set look like the text the model
// will serve? Jensen-Shannon divergence of the token unigram distributions, ΔS between the mean F
// embeddings of calibration samples and of target windows, and the share of samples shorter than a
// calibration block; a warning for each figure past its threshold.
#include "core/base/job_context.h"
#include "core/model/model.h"

#include <ATen/Tensor.h>
#include <cstdint>
#include <string>
#include <vector>

namespace awb {

// JS(P || Q) in nats (natural log; at most ln 2) of the unigram distributions of two token lists
// over [0, vocab). Ids outside the vocabulary are ignored; 0 when either list is empty.
double unigramJsDivergence(const std::vector<int64_t>& a, const std::vector<int64_t>& b, int64_t vocab);

struct CalibrationSanityThresholds {
    double jsDivergence = 0.20; // nats
    double deltaS = 0.30;
    double shortShare = 0.50;   // of samples shorter than the block length
};

struct CalibrationSanity {
    double jsDivergence = 0, deltaS = 0, shortShare = 0;
    int64_t samples = 0, shortSamples = 0, blockLength = 0;
    std::vector<std::string> warnings;
};

// samples: the calibration samples' tokens (BOS included, as the calibration set counts them);
// target: the target text's tokens (no BOS); mu: the probe set's centre (see embedding.h). At most
// maxEmbedded samples and target windows are embedded (evenly spaced), bounding the cost.
// Warnings also go to job.
CalibrationSanity checkCalibration(const Model& fp, const std::vector<std::vector<int64_t>>& samples,
                                   const std::vector<int64_t>& target, int64_t blockLength, const at::Tensor& mu,
                                   const CalibrationSanityThresholds& thresholds = {}, JobContext* job = nullptr,
                                   int64_t maxEmbedded = 64);

} // namespace awb
