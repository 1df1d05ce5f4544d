#pragma once
// Entropy vs length (docs/METRICS.md §2; the per-position entropy is core/eval/logit_rows.h): block
// averages, the onset t*, the entropy gate's late-minus-early figure, and the repetition flag of
// free-running text. Pure functions; any thread.
#include <ATen/Tensor.h>
#include <cstdint>
#include <vector>

namespace awb {

// Mean over rows of a [rows, T] matrix, per column, ignoring NaN (rows shorter than T are padded
// with NaN: the last eval window, a generation that stopped early). A column with no value gives NaN.
std::vector<double> nanColumnMean(const at::Tensor& matrix);

// Averages of consecutive blocks of `blockSize` positions; a last partial block averages what it
// holds. NaN entries are skipped.
std::vector<double> blockMeans(const std::vector<double>& perPosition, int64_t blockSize);

struct OnsetOptions {
    int64_t minBlock = 4;     // b >= 4: the first blocks hold the short-context entropy drop
    double rise = 0.5;        // nats above the lowest earlier block
    int64_t consecutive = 2;  // blocks in a row that must show the rise
};
constexpr int64_t kNoOnset = -1; // t* = infinity

// The onset block t*: the first b >= minBlock such that H_c - min_{b' < c} H_b' >= rise for every c in
// b .. b + consecutive - 1 (all those blocks must exist). kNoOnset when none.
int64_t entropyOnset(const std::vector<double>& blocks, const OnsetOptions& options = {});
// t*_Q >= t*_F with infinity handled: an infinite t*_Q passes, a finite one fails against infinite t*_F.
bool onsetNotEarlier(int64_t onsetQ, int64_t onsetF);

// The entropy gate's figure: mean of (H_Q - H_F) over the late half of the blocks minus its mean over
// the early half (an odd middle block belongs to the late half). 0 with fewer than 2 blocks.
double lateMinusEarly(const std::vector<double>& blocksF, const std::vector<double>& blocksQ);

// Distinct-4-gram ratio of the last `window` tokens (distinct / all 4-grams); 1 when fewer than 4.
double distinctNgramRatio(const std::vector<int64_t>& tokens, int64_t window = 128, int64_t n = 4);

} // namespace awb
