// λ sampling at a model's shape (issue 10): where generateBatch spends its time on the prompts
// `awb diagnose` gives it (prompts of a few hundred to ~1,500 tokens, 2 seeds, 96 sampled tokens),
// for F (the stored weights) and for Q as diagnose makes it (RTN w4 g64: fp32 pseudo-quantized
// blocks). Prefill is timed as a run with one generated token; decode is the rest of a full run.
// Usage: bench_lambda --model DIR [--prompts N] [--prompt-tokens L] [--tokens T] [--only F|Q] [--q-codes 0|1]
// (--q-codes 0: Q decodes from its fp32 weights, not the int8 codes diagnose keeps)
#include "bench/bench_models.h"
#include "bench/bench_options.h"
#include "core/base/runtime.h"
#include "core/model/generation.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void measure(const char* name, const awb::Model& model, const std::vector<std::vector<int64_t>>& prompts, int64_t tokens)
{
    awb::BatchGenerateOptions g;
    g.temperature = 0.7;
    g.topP = 0.9;
    g.seeds = {1, 2};
    g.stopAtEos = false;
    g.maxTokens = 1;
    auto t = Clock::now();
    awb::generateBatch(model, prompts, g);
    const double prefill = since(t);
    g.maxTokens = tokens;
    t = Clock::now();
    awb::generateBatch(model, prompts, g);
    const double whole = since(t);
    int64_t promptTokens = 0;
    for (const auto& p : prompts)
        promptTokens += static_cast<int64_t>(p.size());
    std::printf("%-4s %zu prompts x %lld tokens: whole %.1f s = prefill %.1f s (%.0f tokens/s) + decode %.1f s (%.1f ms per step of %zu rows)\n",
                name, prompts.size(), (long long)(promptTokens / static_cast<int64_t>(prompts.size())), whole, prefill,
                static_cast<double>(promptTokens) / prefill, whole - prefill, 1000.0 * (whole - prefill) / static_cast<double>(tokens - 1),
                prompts.size() * g.seeds.size());
}

} // namespace

int main(int argc, char** argv)
{
    awb::configureRuntime();
    std::string modelDir;
    int64_t nPrompts = 8, promptTokens = 700, tokens = 96;
    std::string only;
    bool qCodes = true;
    if (!awb::bench::parseOptions(argc, argv, "bench_lambda --model DIR [--prompts N] [--prompt-tokens L] [--tokens T] [--only F|Q] [--q-codes 0|1]",
                                  [&](const std::string& k, const std::string& v) {
                                      if (k == "--model")
                                          modelDir = v;
                                      else if (k == "--prompts")
                                          nPrompts = std::stoll(v);
                                      else if (k == "--prompt-tokens")
                                          promptTokens = std::stoll(v);
                                      else if (k == "--tokens")
                                          tokens = std::stoll(v);
                                      else if (k == "--only")
                                          only = v;
                                      else if (k == "--q-codes")
                                          qCodes = v != "0";
                                      else
                                          return false;
                                      return true;
                                  }))
        return 2;
    if (modelDir.empty() || nPrompts < 1 || promptTokens < 2 || tokens < 2) {
        std::fprintf(stderr, "need --model, --prompts >= 1, --prompt-tokens >= 2, --tokens >= 2\n");
        return 2;
    }
    try {
        const awb::Model fp = awb::bench::loadBenchModel(modelDir);
        const awb::Model q = awb::bench::rtnW4G64(fp, qCodes);
        at::manual_seed(0);
        std::vector<std::vector<int64_t>> prompts;
        for (int64_t i = 0; i < nPrompts; ++i) {
            // Lengths spread by +-10% around the mean, as retrieved headers are.
            const int64_t len = promptTokens + (promptTokens / 10) * (2 * i - (nPrompts - 1)) / std::max<int64_t>(1, nPrompts - 1);
            at::Tensor ids = at::randint(3, fp.config.vocabSize, {len}, at::kLong);
            std::vector<int64_t> p(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + len);
            p[0] = fp.config.bosId;
            prompts.push_back(std::move(p));
        }
        std::printf("%s, %d threads\n", modelDir.c_str(), at::get_num_threads());
        if (only != "Q")
            measure("F", fp, prompts, tokens);
        if (only != "F")
            measure("Q", q, prompts, tokens);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_lambda: %s\n", e.what());
        return 1;
    }
    return 0;
}
