// Evaluation throughput benchmark (issue 2): scored tokens per second of awb::evaluatePerplexity,
// median of several repetitions, for the embedded stories260K on its WikiText-2 eval text and,
// optionally, for a large synthetic model folder (see make_synthetic_model) fed random token ids.
// Usage: bench_eval [--synthetic DIR] [--reps N] [--windows W] [--seqlen L]
//   --reps N     repetitions per model (default 3, at least 3 so the median means something)
//   --windows W  windows of seqlen-1 random ids for the synthetic model (default 4)
// Peak RSS is the process high-water mark (getrusage), so it is printed after each model: the
// synthetic model runs second and its figure includes stories260K's (which is tiny).
#include "bench/bench_options.h"
#include "core/io/model_loader.h"
#include "core/eval/perplexity.h"
#include "core/base/runtime.h"
#include "core/tokenizer/text_source.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace {

double peakRssMb()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024.0;
}

// User + system CPU seconds of this process so far. On a shared machine wall time includes waiting
// for cores; CPU seconds per repetition show how much of that was our own work.
double cpuSeconds()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string loadAverage()
{
    std::ifstream in("/proc/loadavg");
    std::string one, five, fifteen;
    in >> one >> five >> fifteen;
    return one + " " + five + " " + fifteen;
}

std::string cpuModel()
{
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("model name", 0) == 0) {
            const auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(line.find_first_not_of(' ', colon + 1));
        }
    }
    return "unknown";
}

std::string jsonEscape(const std::string& s)
{
    std::string out;
    for (char ch : s) {
        if (ch == '"' || ch == '\\')
            out += '\\';
        out += ch;
    }
    return out;
}

struct Figures {
    std::string name;
    int64_t windows = 0;
    int64_t scoredTokens = 0;
    double ppl = 0;
    double medianSeconds = 0;
    double minSeconds = 0;
    double tokensPerSecond = 0; // scored tokens / median seconds
    double peakRssMb = 0;
    double cpuSecondsPerRep = 0;
    std::vector<double> seconds;
};

Figures measure(const std::string& name, const awb::Model& model, const std::vector<int64_t>& tokens, int64_t seqLen, int reps)
{
    Figures f;
    f.name = name;
    awb::PerplexityOptions o;
    o.seqLen = seqLen;
    const double cpuStart = cpuSeconds();
    for (int r = 0; r < reps; ++r) {
        const awb::PerplexityResult res = awb::evaluatePerplexity(model, tokens, o);
        f.seconds.push_back(res.seconds);
        f.windows = res.windows;
        f.scoredTokens = res.scoredTokens;
        f.ppl = res.ppl;
        std::printf("  %s rep %d: %.3f s, ppl %.4f\n", name.c_str(), r + 1, res.seconds, res.ppl);
        std::fflush(stdout);
    }
    std::vector<double> sorted = f.seconds;
    std::sort(sorted.begin(), sorted.end());
    f.medianSeconds = sorted[sorted.size() / 2];
    f.minSeconds = sorted.front();
    f.tokensPerSecond = f.scoredTokens / f.medianSeconds;
    f.peakRssMb = peakRssMb();
    f.cpuSecondsPerRep = (cpuSeconds() - cpuStart) / reps;
    std::printf("%s: %lld windows of <= %lld, %lld scored tokens, median %.3f s (min %.3f) -> %.1f tokens/s, "
                "ppl %.4f, peak RSS %.0f MB, %.1f CPU s per rep, load average %s\n",
                name.c_str(), static_cast<long long>(f.windows), static_cast<long long>(seqLen),
                static_cast<long long>(f.scoredTokens), f.medianSeconds, f.minSeconds, f.tokensPerSecond, f.ppl, f.peakRssMb,
                f.cpuSecondsPerRep, loadAverage().c_str());
    std::fflush(stdout);
    return f;
}

std::string toJson(const Figures& f)
{
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "\"%s\": {\"windows\": %lld, \"scored_tokens\": %lld, \"seconds_median\": %.3f, \"seconds_min\": %.3f, "
                  "\"tokens_per_s\": %.1f, \"ppl\": %.6f, \"peak_rss_mb\": %.1f, \"cpu_s_per_rep\": %.1f}",
                  f.name.c_str(), static_cast<long long>(f.windows), static_cast<long long>(f.scoredTokens), f.medianSeconds,
                  f.minSeconds, f.tokensPerSecond, f.ppl, f.peakRssMb, f.cpuSecondsPerRep);
    return buf;
}

} // namespace

int main(int argc, char** argv)
{
    awb::configureRuntime();
    std::string synthetic;
    int reps = 3;
    int64_t windows = 4, seqLen = 512;
    const bool parsed = awb::bench::parseOptions(
        argc, argv, "bench_eval [--synthetic DIR] [--reps N] [--windows W] [--seqlen L]",
        [&](const std::string& k, const std::string& v) {
            if (k == "--synthetic")
                synthetic = v;
            else if (k == "--reps")
                reps = std::stoi(v);
            else if (k == "--windows")
                windows = std::stoll(v);
            else if (k == "--seqlen")
                seqLen = std::stoll(v);
            else
                return false;
            return true;
        });
    if (!parsed)
        return 2;
    if (reps < 3 || windows < 1 || seqLen < 2) {
        std::fprintf(stderr, "need --reps >= 3, --windows >= 1, --seqlen >= 2\n");
        return 2;
    }
    try {
        const std::string cpu = cpuModel();
        std::printf("cpu: %s, %u hardware threads, at::get_num_threads() = %d\n", cpu.c_str(), std::thread::hardware_concurrency(),
                    at::get_num_threads());
        std::printf("seqlen %lld, %d repetitions per model, figures are medians; load average %s\n",
                    static_cast<long long>(seqLen), reps, loadAverage().c_str());
        std::fflush(stdout);
        std::vector<Figures> results;

        const awb::Model stories = awb::loadModel(awb::defaultModelPath());
        const std::string text = awb::resourcesDir() + "/text/wikitext2-eval-lines2001-2400.txt";
        const std::vector<int64_t> storiesTokens = awb::encodeEvalText(*stories.tokenizer, text);
        std::printf("stories260K: %s on %s (%zu tokens)\n", stories.sourcePath.c_str(), text.c_str(), storiesTokens.size());
        results.push_back(measure("stories260K", stories, storiesTokens, seqLen, reps));

        if (!synthetic.empty()) {
            awb::LoadOptions lo;
            lo.requireTokenizer = false;
            const awb::Model model = awb::loadModel(synthetic, lo);
            // Random ids stand in for text: throughput does not depend on the values, only on the
            // number of windows (each seqLen-1 ids plus the BOS the protocol puts in front).
            at::manual_seed(0);
            const at::Tensor ids = at::randint(3, model.config.vocabSize, {windows * (seqLen - 1)}, at::kLong);
            const std::vector<int64_t> tokens(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel());
            std::printf("synthetic: %s (%s, %lld layers, dim %lld, ffn %lld, vocab %lld), %lld windows of %lld random ids\n",
                        synthetic.c_str(), model.weightDtype.c_str(), static_cast<long long>(model.config.nLayers),
                        static_cast<long long>(model.config.dim), static_cast<long long>(model.config.hiddenDim),
                        static_cast<long long>(model.config.vocabSize), static_cast<long long>(windows),
                        static_cast<long long>(seqLen - 1));
            std::fflush(stdout);
            results.push_back(measure("synthetic", model, tokens, seqLen, reps));
        }

        std::string json = "{\"cpu\": \"" + jsonEscape(cpu) + "\", \"threads\": " + std::to_string(at::get_num_threads()) +
                           ", \"seqlen\": " + std::to_string(seqLen) + ", \"reps\": " + std::to_string(reps);
        for (const auto& f : results)
            json += ", " + toJson(f);
        json += "}";
        std::printf("%s\n", json.c_str());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
