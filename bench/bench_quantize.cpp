// AWQ search benchmark: seconds per block and peak RSS for a model streamed from its mapping.
// Usage: bench_quantize --model PATH [--blocks N] [--seqlen L] [--layers K] [--w-bit B] [--group G]
//                       [--feed fp|quantized|auto|best] [--scaling activation|duo|best] [--scale-screen N] [--scale-keep K]
//   --layers K searches only the first K decoder blocks (a shallow copy of the model), to time a
//   large model's blocks without waiting for all of them; each block's cost is the same.
// Threads as `awb quantize` sets them (ScopedJobThreads: a large model's BLAS on every core).
// Calibration tokens are random ids (speed and memory do not depend on their values).
// Memory figures are the kernel's (/proc/self/status, MiB): VmHWM is the peak resident size, and
// each search stage logs to stderr the resident size then, anonymous and file-backed (the mapped
// weights), so a peak can be placed.
#include "bench/bench_options.h"
#include "core/quant/awq_search.h"
#include "core/io/model_loader.h"
#include "core/base/runtime.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace {
// A "Name:   123 kB" field of /proc/self/status in MiB (0 when absent).
double statusMib(const std::string& field)
{
    std::ifstream in("/proc/self/status");
    std::string key;
    double kb = 0;
    while (in >> key) {
        if (key == field + ":" && in >> kb)
            return kb / 1024.0;
        in.ignore(1 << 12, '\n');
    }
    return 0;
}
} // namespace

int main(int argc, char** argv)
{
    awb::configureRuntime();
    std::string model = awb::defaultModelPath();
    int64_t blocks = 16, seqLen = 512, layers = 0;
    awb::AwqOptions o;
    o.quant = {4, 128, true};
    const bool parsed = awb::bench::parseOptions(
        argc, argv, "bench_quantize [--model PATH] [--blocks N] [--seqlen L] [--layers K] [--w-bit B] [--group G] [--feed F] [--scaling S] [--scale-screen N] [--scale-keep K]",
        [&](const std::string& k, const std::string& v) {
            if (k == "--model") model = v;
            else if (k == "--blocks") blocks = std::stoll(v);
            else if (k == "--seqlen") seqLen = std::stoll(v);
            else if (k == "--layers") layers = std::stoll(v);
            else if (k == "--w-bit") o.quant.wBit = std::stoi(v);
            else if (k == "--group") o.quant.groupSize = std::stoll(v);
            else if (k == "--feed") o.feed = awb::feedFromName(v);
            else if (k == "--scaling") o.scaling = awb::scalingFromName(v);
            else if (k == "--scale-screen") o.scaleScreenEvery = std::stoi(v);
            else if (k == "--scale-keep") o.scaleScreenKeep = std::stoi(v);
            else return false;
            return true;
        });
    if (!parsed)
        return 2;
    try {
        awb::LoadOptions lo;
        lo.requireTokenizer = false;
        awb::Model m = awb::loadModel(model, lo);
        if (layers > 0 && layers < m.config.nLayers) {
            m.blocks.resize(layers);
            m.config.nLayers = layers;
        }
        const awb::ScopedJobThreads threads(m.config.dim);
        at::manual_seed(0);
        const at::Tensor calib = at::randint(3, m.config.vocabSize, {blocks, seqLen}, at::kLong);
        const double rssBefore = statusMib("VmHWM");
        std::vector<double> perBlock;
        const auto start = std::chrono::steady_clock::now();
        auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
        awb::JobContext job(
            [&](int64_t, int64_t, const std::string& stage) {
                std::fprintf(stderr, "%8.1f s  %-28s RssAnon %5.0f  RssFile %4.0f  VmHWM %5.0f MiB\n", elapsed(), stage.c_str(),
                             statusMib("RssAnon"), statusMib("RssFile"), statusMib("VmHWM"));
                return true;
            },
            [&](const std::string& line) { std::fprintf(stderr, "%8.1f s  %s\n", elapsed(), line.c_str()); });
        awb::AwqResult r = awb::runAwqSearch(m, calib, o, &job);
        const double seconds = elapsed();
        const double peak = statusMib("VmHWM");
        std::string blockList;
        for (const auto& b : r.blocks) {
            perBlock.push_back(b.seconds);
            blockList += " " + std::to_string(static_cast<int>(std::lround(b.seconds)));
        }
        std::sort(perBlock.begin(), perBlock.end());
        const size_t n = perBlock.size();
        const double median = n % 2 ? perBlock[n / 2] : (perBlock[n / 2 - 1] + perBlock[n / 2]) / 2;
        std::printf("model %s (%s, %lld layers searched, dim %lld, ffn %lld)\n", model.c_str(), m.weightDtype.c_str(),
                    static_cast<long long>(m.config.nLayers), static_cast<long long>(m.config.dim),
                    static_cast<long long>(m.config.hiddenDim));
        std::printf("calibration %lld x %lld tokens, %s, feed %s, scaling %s; libtorch %d threads, %d cores for tensor work (BLAS)\n",
                    static_cast<long long>(blocks), static_cast<long long>(seqLen), o.quant.label().c_str(), awb::feedName(o.feed),
                    awb::scalingName(o.scaling), at::get_num_threads(), awb::tensorCores());
        std::printf("seconds per block:%s\n", blockList.c_str());
        std::printf("search %.1f s, median %.2f s per block, peak RSS (VmHWM) %.0f MiB = %.2f GB (%.0f MiB after loading)\n",
                    seconds, median, peak, peak * 1048576 / 1e9, rssBefore);
        std::printf("{\"seconds\": %.3f, \"seconds_per_block_median\": %.3f, \"peak_rss_mib\": %.1f, \"layers\": %lld}\n", seconds,
                    median, peak, static_cast<long long>(m.config.nLayers));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
