#include "core/model/generation.h"

#include "core/base/error.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <chrono>
#include <random>

namespace awb {

int64_t sampleToken(const at::Tensor& logits, double temperature, double topP, double u)
{
    if (temperature <= 0)
        return logits.argmax().item<int64_t>();
    at::Tensor probs = at::softmax(logits / temperature, -1);
    auto [sorted, order] = probs.sort(-1, /*descending=*/true);
    at::Tensor cumulative = sorted.cumsum(-1);
    // keep the smallest prefix whose mass reaches top-p (always at least one token)
    const int64_t keep = std::max<int64_t>(1, (cumulative < topP).sum().item<int64_t>() + 1);
    at::Tensor kept = sorted.slice(0, 0, std::min(keep, sorted.size(0)));
    const double target = u * kept.sum().item<double>();
    auto acc = kept.accessor<float, 1>();
    double run = 0;
    for (int64_t i = 0; i < kept.size(0); ++i) {
        run += acc[i];
        if (target < run)
            return order[i].item<int64_t>();
    }
    return order[kept.size(0) - 1].item<int64_t>();
}

GenerateResult generate(const Model& model, const GenerateOptions& o, JobContext* job,
                        const std::function<void(const std::string&)>& onText)
{
    if (!model.tokenizer)
        throw ArgumentError("generation needs a tokenizer");
    if (o.maxTokens < 0)
        throw ArgumentError("--max-tokens must be >= 0");
    if (o.topP <= 0 || o.topP > 1)
        throw ArgumentError("--top-p must be in (0, 1]");
    const auto start = std::chrono::steady_clock::now();
    GenerateResult r;
    r.tokens = o.prompt.empty() ? std::vector<int64_t>{model.config.bosId} : model.tokenizer->encode(o.prompt, true);
    r.promptTokens = static_cast<int64_t>(r.tokens.size());
    const int64_t total = std::min<int64_t>(model.config.maxSeqLen, r.promptTokens + o.maxTokens);
    if (r.promptTokens > model.config.maxSeqLen)
        throw ArgumentError("prompt of " + std::to_string(r.promptTokens) + " tokens exceeds the model's context of " +
                            std::to_string(model.config.maxSeqLen));
    RopeTable rope(model.config, total);
    KvCache cache(model.config, 1, total);
    std::mt19937_64 rng(o.seed);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::string emitted;
    at::Tensor input = at::tensor(r.tokens, at::kLong).unsqueeze(0);
    while (static_cast<int64_t>(r.tokens.size()) < total) {
        at::Tensor logits = forward(model, rope, input, &cache).select(1, -1).squeeze(0);
        const int64_t next = sampleToken(logits, o.temperature, o.topP, uniform(rng));
        if (o.stopAtEos && model.config.isEos(next)) // any of them: chat models end turns with e.g. <|eot_id|>
            break;
        r.tokens.push_back(next);
        const std::string text = model.tokenizer->decode(std::vector<int64_t>(r.tokens.begin() + r.promptTokens, r.tokens.end()));
        if (onText && text.size() > emitted.size() && text.compare(0, emitted.size(), emitted) == 0)
            onText(text.substr(emitted.size()));
        emitted = text;
        input = at::tensor({next}, at::kLong).unsqueeze(0);
        if (job)
            job->report(static_cast<int64_t>(r.tokens.size()) - r.promptTokens, total - r.promptTokens, "generate");
    }
    r.text = emitted;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

} // namespace awb
