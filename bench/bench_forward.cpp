// Where the forward pass spends its time (issue 14): one prefill of B windows of T tokens and a run
// of batch-1 decode steps, split into the linears of the blocks, attention (RoPE, scores, softmax,
// context), the rest of the blocks (norms, SwiGLU, residuals), the LM head and log_softmax, plus
// this machine's fp32 GEMM rate at the model's own shapes as the yardstick.
// Usage: bench_forward --model DIR [--windows B] [--seqlen T] [--decode N] [--reps R] [--prefill 0]
// --prefill 0 skips the GEMM yardstick and the prefill, so that the peak RSS in the JSON line is what
// decoding holds (the weights as generate() reads them, the KV cache, one step's activations): the
// figure to compare between a model's fp32, half and packed int4 forms.
// The pieces are the ones forward() calls (core/model/transformer.h), timed one by one; their sum is
// printed next to a plain forward() of the same input, so the split can be checked against the whole.
#include "bench/bench_options.h"
#include "core/base/cpu_features.h"
#include "core/base/process_memory.h"
#include "core/base/runtime.h"
#include "core/io/model_loader.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <chrono>
#include <immintrin.h>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Seconds per part of one forward; linear FLOPs counted as 2 * rows * in * out.
struct Split {
    std::map<std::string, double> seconds;
    double linearFlops = 0;
    void add(const std::string& part, Clock::time_point t) { seconds[part] += since(t); }
};

// blockLinears, timed as "linears".
std::vector<at::Tensor> timedLinears(Split& s, const at::Tensor& x, const awb::BlockWeights& b, const std::vector<std::string>& names)
{
    const auto t = Clock::now();
    std::vector<at::Tensor> ys = awb::blockLinears(b, names, x);
    s.add("linears", t);
    for (const std::string& name : names) {
        const at::Tensor& w = b.linear(name); // its shape (data only when not kept packed)
        s.linearFlops += 2.0 * static_cast<double>(x.numel() / x.size(-1)) * static_cast<double>(w.size(0) * w.size(1));
    }
    return ys;
}

// The same arithmetic as awb::forward (blockForward, outputLogits), timed part by part.
at::Tensor splitForward(Split& s, const awb::Model& m, const awb::RopeTable& rope, const at::Tensor& tokens, awb::KvCache* cache)
{
    const auto& c = m.config;
    auto t = Clock::now();
    at::Tensor h = awb::embedTokens(m, tokens);
    s.add("other", t);
    for (size_t i = 0; i < m.blocks.size(); ++i) {
        t = Clock::now();
        const awb::BlockWeights w = awb::blockWeightsFor(m.blocks[i], tokens.numel());
        s.add("upcast", t);
        t = Clock::now();
        at::Tensor xn = awb::rmsNorm(h, w.attnNorm, c.normEps);
        s.add("other", t);
        const std::vector<at::Tensor> qkv = timedLinears(s, xn, w, {"q_proj", "k_proj", "v_proj"});
        t = Clock::now();
        at::Tensor ctx = awb::attentionContext(c, rope, qkv[0], qkv[1], qkv[2], cache, i);
        s.add("attention", t);
        at::Tensor o = timedLinears(s, ctx, w, {"o_proj"})[0];
        t = Clock::now();
        h = h + o;
        xn = awb::rmsNorm(h, w.ffnNorm, c.normEps);
        s.add("other", t);
        std::vector<at::Tensor> gateUp = timedLinears(s, xn, w, {"gate_proj", "up_proj"});
        at::Tensor& a = gateUp[0];
        t = Clock::now();
        at::silu_(a);
        a.mul_(gateUp[1]);
        s.add("other", t);
        at::Tensor d = timedLinears(s, a, w, {"down_proj"})[0];
        t = Clock::now();
        h = h + d;
        s.add("other", t);
    }
    if (cache)
        cache->length += tokens.size(1);
    t = Clock::now();
    at::Tensor hn = awb::outputHidden(m, h);
    s.add("other", t);
    t = Clock::now();
    at::Tensor logits = awb::applyLinear(hn, m.lmHead);
    s.add("lm_head", t);
    return logits;
}

double gemmGflops(int64_t rows, int64_t in, int64_t out, int reps)
{
    at::Tensor x = at::randn({rows, in}), w = at::randn({out, in});
    at::linear(x, w); // warm-up
    std::vector<double> s;
    for (int r = 0; r < reps; ++r) {
        const auto t = Clock::now();
        at::linear(x, w);
        s.push_back(since(t));
    }
    return 2.0 * rows * in * out / median(s) / 1e9;
}

// This CPU's fp32 arithmetic ceiling, the bound for any fp32 GEMM: each thread runs 12 independent
// chains of 8-lane FMAs (enough in flight to cover the FMA latency on both of a core's FMA pipes),
// 16 FLOPs per FMA; the threads run at once, the median of 5 runs. AVX2 has no faster float
// arithmetic (no bf16 or fp16 FMA), so nothing in fp32 or half weights can beat it.
constexpr int kFmaChains = 12;
volatile float g_fmaSink; // the chains' sums end here, so the compiler keeps the loops

__attribute__((target("avx2,fma"))) float fmaChains(int64_t iterations)
{
    __m256 acc[kFmaChains];
    for (int j = 0; j < kFmaChains; ++j)
        acc[j] = _mm256_set1_ps(float(j));
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (int64_t i = 0; i < iterations; ++i)
#pragma GCC unroll 12
        for (int j = 0; j < kFmaChains; ++j) // unrolled: the chains live in registers
            acc[j] = _mm256_fmadd_ps(acc[j], a, b);
    float sum = 0.0f;
    for (int j = 0; j < kFmaChains; ++j) {
        alignas(32) float lanes[8];
        _mm256_store_ps(lanes, acc[j]);
        for (float v : lanes)
            sum += v;
    }
    return sum;
}

double fmaPeakGflops(int threads)
{
    if (!awb::cpuHasAvx2FmaF16c())
        return 0.0;
    constexpr int64_t kIterations = 10'000'000;
    std::vector<double> s;
    for (int r = 0; r < 5; ++r) {
        std::vector<float> sums(static_cast<size_t>(threads));
        std::vector<std::thread> pool;
        const auto t = Clock::now();
        for (int i = 0; i < threads; ++i)
            pool.emplace_back([&sums, i] { sums[size_t(i)] = fmaChains(kIterations); });
        for (std::thread& th : pool)
            th.join();
        s.push_back(since(t));
        for (float v : sums)
            g_fmaSink = g_fmaSink + v;
    }
    return double(threads) * kIterations * kFmaChains * 16 / median(s) / 1e9;
}

// Prints the split; returns tokens per second of the plain forward.
double printSplit(const char* title, const std::vector<Split>& reps, double wholeMedian, double tokens)
{
    std::map<std::string, std::vector<double>> parts;
    std::vector<double> totals;
    for (const Split& s : reps) {
        double total = 0;
        for (const auto& [k, v] : s.seconds) {
            parts[k].push_back(v);
            total += v;
        }
        totals.push_back(total);
    }
    const double total = median(totals);
    std::printf("%s: sum of parts %.3f s (plain forward %.3f s) -> %.1f tokens/s\n", title, total, wholeMedian, tokens / wholeMedian);
    for (const auto& [k, v] : parts) {
        const double m = median(v);
        std::printf("  %-10s %8.3f s  %5.1f%%", k.c_str(), m, 100.0 * m / total);
        if (k == "linears")
            std::printf("  %.1f GFLOP/s", reps.front().linearFlops / m / 1e9);
        std::printf("\n");
    }
    return tokens / wholeMedian;
}

// The GEMM yardstick at the model's shapes, then the prefill of `windows` x `seqLen` random tokens
// split into its parts; returns tokens per second of the plain forward.
double timePrefill(const awb::Model& model, const awb::RopeTable& rope, int64_t windows, int64_t seqLen, int reps)
{
    const auto& c = model.config;
    const int64_t rows = windows * seqLen;
    std::printf("fp32 FMA peak (%d threads): %.1f GFLOP/s\n", at::get_num_threads(), fmaPeakGflops(at::get_num_threads()));
    std::printf("fp32 GEMM (at::linear) at %lld rows: [dim->ffn] %.1f GFLOP/s, [ffn->dim] %.1f GFLOP/s, [dim->vocab] %.1f GFLOP/s; "
                "decode [1 x dim->ffn] %.1f GFLOP/s\n",
                (long long)rows, gemmGflops(rows, c.dim, c.hiddenDim, reps), gemmGflops(rows, c.hiddenDim, c.dim, reps),
                gemmGflops(std::min<int64_t>(rows, 512), c.dim, c.vocabSize, reps), gemmGflops(1, c.dim, c.hiddenDim, 50));
    at::manual_seed(0);
    const at::Tensor tokens = at::randint(3, c.vocabSize, {windows, seqLen}, at::kLong);
    std::vector<Split> split;
    std::vector<double> whole;
    for (int r = 0; r < reps; ++r) {
        Split s;
        const at::Tensor logits = splitForward(s, model, rope, tokens, nullptr);
        auto t = Clock::now();
        at::log_softmax(logits, -1);
        s.add("log_softmax", t);
        split.push_back(s);
        t = Clock::now();
        at::log_softmax(awb::forward(model, rope, tokens), -1);
        whole.push_back(since(t));
    }
    return printSplit("prefill", split, median(whole), static_cast<double>(rows));
}

} // namespace

int main(int argc, char** argv)
{
    awb::configureRuntime();
    std::string modelDir;
    int64_t windows = 2, seqLen = 512, decode = 32;
    int reps = 3;
    bool prefill = true;
    if (!awb::bench::parseOptions(argc, argv, "bench_forward --model DIR [--windows B] [--seqlen T] [--decode N] [--reps R] [--prefill 0]",
                                  [&](const std::string& k, const std::string& v) {
                                      if (k == "--prefill")
                                          prefill = std::stoi(v) != 0;
                                      else if (k == "--model")
                                          modelDir = v;
                                      else if (k == "--windows")
                                          windows = std::stoll(v);
                                      else if (k == "--seqlen")
                                          seqLen = std::stoll(v);
                                      else if (k == "--decode")
                                          decode = std::stoll(v);
                                      else if (k == "--reps")
                                          reps = std::stoi(v);
                                      else
                                          return false;
                                      return true;
                                  }))
        return 2;
    if (modelDir.empty() || windows < 1 || seqLen < 2 || decode < 1 || reps < 3) {
        std::fprintf(stderr, "need --model, --windows >= 1, --seqlen >= 2, --decode >= 1, --reps >= 3\n");
        return 2;
    }
    try {
        at::NoGradGuard noGrad;
        awb::LoadOptions lo;
        lo.requireTokenizer = false;
        lo.keepInt4Packed = true; // as awb eval and awb generate load an AutoAWQ folder
        const awb::Model model = awb::loadModel(modelDir, lo);
        const auto& c = model.config;
        std::printf("%s: %s, dim %lld, ffn %lld, %lld layers, heads %lld/%lld, vocab %lld; %d threads\n", modelDir.c_str(),
                    model.weightDtype.c_str(), (long long)c.dim, (long long)c.hiddenDim, (long long)c.nLayers, (long long)c.nHeads,
                    (long long)c.nKvHeads, (long long)c.vocabSize, at::get_num_threads());
        const awb::RopeTable rope(c, std::max(seqLen, decode + 1));
        const double prefillRate = prefill ? timePrefill(model, rope, windows, seqLen, reps) : 0.0;

        const awb::Model decoding = awb::decodeWeights(model, 1); // what generate() decodes with
        const std::string decodeTitle = std::string("decode (batch 1, ") + (!decoding.blocks[0].packed.empty() ? "packed int4"
                                                     : decoding.blocks[0].wq.scalar_type() == at::kFloat ? "fp32" : "stored half") + " weights)";
        std::vector<Split> steps;
        std::vector<double> wholeDecode;
        for (int r = 0; r < reps; ++r) {
            awb::KvCache cache(c, 1, decode + 1);
            awb::KvCache plain(c, 1, decode + 1);
            Split s;
            at::Tensor next = at::full({1, 1}, c.bosId, at::kLong);
            for (int64_t i = 0; i < decode; ++i)
                splitForward(s, decoding, rope, next, &cache);
            steps.push_back(s);
            const auto t = Clock::now();
            for (int64_t i = 0; i < decode; ++i)
                awb::forward(decoding, rope, next, &plain);
            wholeDecode.push_back(since(t));
        }
        const double decodeRate = printSplit(decodeTitle.c_str(), steps, median(wholeDecode), static_cast<double>(decode));
        std::printf("{\"weights\": \"%s\", \"threads\": %d, \"prefill_tokens_per_s\": %.2f, \"decode_tokens_per_s\": %.2f, "
                    "\"peak_rss_mb\": %.0f}\n",
                    model.weightDtype.c_str(), at::get_num_threads(), prefillRate, decodeRate, awb::peakResidentMiB());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
