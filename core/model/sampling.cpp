#include "core/model/sampling.h"

#include <ATen/ATen.h>
#include <array>
#include <cstring>
#include <utility>
#include <vector>

namespace awb {
namespace {

// Sorts candidates packed as (~probability bits) << 32 | token id into ascending order, that is
// descending probability with ties by ascending id. A probability is >= 0, so its bits order as it
// does. LSD radix on the upper 32 bits, stable over the ids' ascending input order. At a 49k
// vocabulary whose nucleus is most of it (an untrained model at temperature 0.7) a whole draw takes
// ~0.7 ms, where at::sort made it ~5 ms (bench/bench_sampling); λ sampling draws ~32,000 per model.
void sortDescending(std::vector<uint64_t>& keys)
{
    constexpr int kDigitBits = 11;
    constexpr size_t kBuckets = size_t(1) << kDigitBits;
    std::vector<uint64_t> scratch(keys.size());
    for (int shift = 32; shift < 64; shift += kDigitBits) {
        std::array<size_t, kBuckets> start{};
        for (uint64_t k : keys)
            ++start[(k >> shift) & (kBuckets - 1)];
        size_t sum = 0;
        for (size_t& s : start)
            sum += std::exchange(s, sum);
        for (uint64_t k : keys)
            scratch[start[(k >> shift) & (kBuckets - 1)]++] = k;
        keys.swap(scratch);
    }
}

} // namespace

int64_t sampleToken(const at::Tensor& logits, double temperature, double topP, double u)
{
    if (temperature <= 0)
        return logits.argmax().item<int64_t>();
    const at::Tensor probs = at::softmax(logits / temperature, -1).contiguous();
    const float* p = probs.data_ptr<float>();
    const int64_t vocab = probs.numel();
    // A token below (1 - topP) / (vocab - 1) comes after the nucleus: all such tokens together hold
    // less than 1 - topP, so the tokens above them reach topP first. They are left out of the sort
    // unless rounding leaves the rest short of topP; either way the nucleus is the same.
    const double cutoff = vocab > 1 ? (1.0 - topP) / static_cast<double>(vocab - 1) : 0.0;
    std::vector<uint64_t> keys;
    double candidateMass = 0;
    for (int pass = 0; pass < 2 && candidateMass < topP; ++pass) {
        const double floor = pass == 0 ? cutoff : -1.0;
        keys.clear();
        candidateMass = 0;
        for (int64_t i = 0; i < vocab; ++i)
            if (static_cast<double>(p[i]) >= floor) {
                uint32_t bits;
                std::memcpy(&bits, &p[i], sizeof bits);
                keys.push_back(static_cast<uint64_t>(~bits) << 32 | static_cast<uint64_t>(i));
                candidateMass += p[i];
            }
    }
    if (keys.empty()) // every probability NaN
        return logits.argmax().item<int64_t>();
    sortDescending(keys);
    const auto token = [](uint64_t k) { return static_cast<int64_t>(k & 0xffffffffu); };
    size_t keep = keys.size();
    double mass = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
        mass += p[token(keys[i])];
        if (static_cast<float>(mass) >= static_cast<float>(topP)) { // as at::cumsum's fp32 sums compared with top-p did
            keep = i + 1;
            break;
        }
    }
    const double target = u * mass;
    double run = 0;
    for (size_t i = 0; i < keep; ++i) {
        run += p[token(keys[i])];
        if (target < run)
            return token(keys[i]);
    }
    return token(keys[keep - 1]);
}

} // namespace awb
