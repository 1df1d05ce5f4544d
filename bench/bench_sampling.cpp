// Top-p sampling (issue 10): milliseconds per draw of sampleToken against the at::topk / at::sort
// nucleus it replaced (9bcfd59), side by side on the same logits, at a 49,152-token vocabulary,
// temperature 0.7, top-p 0.9. "flat" is an untrained model's step (the nucleus is most of the
// vocabulary, as on the synthetic 135M model of the diagnose benchmark); "peaked" a trained one's.
// Draws may differ where tokens tie in probability (common among 49k near-equal fp32 values): the old
// sort left their order unspecified, sampleToken takes them by ascending id.
// Usage: bench_sampling [--draws N]
#include "bench/bench_options.h"
#include "core/base/runtime.h"
#include "core/model/sampling.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <tuple>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// The sampler before 9bcfd59, kept here only as this benchmark's baseline.
int64_t sampleBySort(const at::Tensor& logits, double temperature, double topP, double u)
{
    at::Tensor probs = at::softmax(logits / temperature, -1);
    const int64_t vocab = probs.size(0), head = std::min<int64_t>(64, vocab);
    auto [sorted, order] = probs.topk(head);
    at::Tensor cumulative = sorted.cumsum(-1);
    if (head < vocab && cumulative[head - 1].item<double>() < topP) {
        std::tie(sorted, order) = probs.sort(-1, /*descending=*/true);
        cumulative = sorted.cumsum(-1);
    }
    const int64_t keep = std::min(sorted.size(0), std::max<int64_t>(1, (cumulative < topP).sum().item<int64_t>() + 1));
    at::Tensor kept = sorted.slice(0, 0, keep);
    const double target = u * kept.sum().item<double>();
    auto acc = kept.accessor<float, 1>();
    double run = 0;
    for (int64_t i = 0; i < keep; ++i) {
        run += acc[i];
        if (target < run)
            return order[i].item<int64_t>();
    }
    return order[keep - 1].item<int64_t>();
}

// Median milliseconds per draw over `draws` draws; tokens receives what was drawn.
template <typename Sampler>
double medianMs(Sampler sample, const at::Tensor& logits, int draws, std::vector<int64_t>& tokens)
{
    std::vector<double> ms;
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    for (int i = 0; i < draws; ++i) {
        const double u = uniform(rng);
        const auto t = Clock::now();
        tokens.push_back(sample(logits, 0.7, 0.9, u));
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    }
    std::nth_element(ms.begin(), ms.begin() + static_cast<std::ptrdiff_t>(ms.size() / 2), ms.end());
    return ms[ms.size() / 2];
}

long long differing(const std::vector<int64_t>& a, const std::vector<int64_t>& b)
{
    long long n = 0;
    for (size_t i = 0; i < a.size(); ++i)
        n += a[i] != b[i];
    return n;
}

} // namespace

int main(int argc, char** argv)
{
    awb::configureRuntime();
    int draws = 200;
    if (!awb::bench::parseOptions(argc, argv, "bench_sampling [--draws N]", [&](const std::string& k, const std::string& v) {
            if (k != "--draws")
                return false;
            draws = std::stoi(v);
            return true;
        }))
        return 2;
    at::set_num_threads(1); // as λ's decode workers run
    for (const auto& [name, spread] : {std::pair{"flat", 0.05}, std::pair{"peaked", 6.0}}) {
        at::manual_seed(3);
        const at::Tensor logits = at::randn({49152}) * spread;
        std::vector<int64_t> baselineTokens, tokens;
        const double before = medianMs(sampleBySort, logits, draws, baselineTokens);
        const double after = medianMs(awb::sampleToken, logits, draws, tokens);
        std::printf("%-6s at::sort nucleus %.3f ms, sampleToken %.3f ms per draw (median of %d): %.1fx; %lld of %d draws differ\n", name,
                    before, after, draws, before / after, differing(tokens, baselineTokens), draws);
    }
    return 0;
}
