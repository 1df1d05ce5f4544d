#include "core/eval/embedding.h"

#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <numeric>

namespace awb {

namespace {
// Bounds the tokens of one batched pass (padding included): activations of the embedded model at
// 16k tokens are a few MB per block.
constexpr int64_t kBatchTokens = 16384;
}

at::Tensor prefixPooledHidden(const Model& model, const std::vector<std::vector<int64_t>>& texts,
                              const std::vector<int64_t>& lengths, JobContext* job)
{
    at::NoGradGuard noGrad;
    const int64_t n = static_cast<int64_t>(texts.size()), c = static_cast<int64_t>(lengths.size());
    const int64_t maxText = model.config.maxSeqLen - 1;
    at::Tensor out = at::zeros({n, c, model.config.dim}, at::kFloat);
    std::vector<int64_t> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    auto len = [&](int64_t i) { return std::min<int64_t>(maxText, static_cast<int64_t>(texts[static_cast<size_t>(i)].size())); };
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return len(a) < len(b); });
    RopeTable rope(model.config, model.config.maxSeqLen);
    size_t i = 0;
    while (i < order.size()) {
        // Longest text last (sorted): the batch's width is that of its last member.
        size_t j = i + 1;
        while (j < order.size() && static_cast<int64_t>(j - i + 1) * (len(order[j]) + 1) <= kBatchTokens)
            ++j;
        const int64_t width = len(order[j - 1]) + 1;
        at::Tensor input = at::full({static_cast<int64_t>(j - i), width}, model.config.bosId, at::kLong);
        for (size_t r = i; r < j; ++r) {
            const auto& t = texts[static_cast<size_t>(order[r])];
            const int64_t l = len(order[r]);
            if (l > 0)
                input[static_cast<int64_t>(r - i)].slice(0, 1, 1 + l).copy_(at::tensor(std::vector<int64_t>(t.begin(), t.begin() + l), at::kLong));
        }
        at::Tensor hidden = forwardHidden(model, rope, input); // [b, width, dim]
        // Running sums over the text's tokens (position 0 is BOS and is not pooled).
        at::Tensor sums = hidden.slice(1, 1).cumsum(1);
        for (size_t r = i; r < j; ++r) {
            const int64_t row = static_cast<int64_t>(r - i), l = len(order[r]);
            for (int64_t k = 0; k < c; ++k) {
                const int64_t upTo = std::min(l, lengths[static_cast<size_t>(k)]);
                out[order[r]][k] = upTo > 0 ? sums[row][upTo - 1] / static_cast<double>(upTo) : hidden[row][0];
            }
        }
        i = j;
        if (job)
            job->checkCancelled();
    }
    return out;
}

at::Tensor pooledHidden(const Model& model, const std::vector<std::vector<int64_t>>& texts, JobContext* job)
{
    return prefixPooledHidden(model, texts, {model.config.maxSeqLen}, job).select(1, 0);
}

at::Tensor centreNormalise(const at::Tensor& pooled, const at::Tensor& mu)
{
    at::Tensor v = pooled - mu;
    return v / v.norm(2, -1, true).clamp_min(1e-12);
}

at::Tensor deltaS(const at::Tensor& a, const at::Tensor& b)
{
    return (1.0 - at::matmul(a, b.transpose(0, 1))).clamp(0.0, 1.0);
}

double deltaS1(const at::Tensor& a, const at::Tensor& b)
{
    return std::clamp(1.0 - at::dot(a, b).item<double>(), 0.0, 1.0);
}

} // namespace awb
