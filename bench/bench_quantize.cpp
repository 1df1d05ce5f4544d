// AWQ search benchmark: seconds per block and peak RSS for a model streamed from its mapping.
// Usage: bench_quantize --model PATH [--blocks N] [--seqlen L] [--layers K] [--w-bit B] [--group G]
//   --layers K searches only the first K decoder blocks (a shallow copy of the model), to time a
//   large model's blocks without waiting for all of them; each block's cost is the same.
// Calibration tokens are random ids (speed and memory do not depend on their values).
#include "core/awq_search.h"
#include "core/model_loader.h"
#include "core/runtime.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/resource.h>

namespace {
double peakRssMb()
{
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss / 1024.0;
}
} // namespace

int main(int argc, char** argv)
{
    awb::configureRuntime();
    std::string model = awb::defaultModelPath();
    int64_t blocks = 16, seqLen = 512, layers = 0;
    awb::AwqOptions o;
    o.quant = {4, 128, true};
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--model") model = v;
        else if (k == "--blocks") blocks = std::stoll(v);
        else if (k == "--seqlen") seqLen = std::stoll(v);
        else if (k == "--layers") layers = std::stoll(v);
        else if (k == "--w-bit") o.quant.wBit = std::stoi(v);
        else if (k == "--group") o.quant.groupSize = std::stoll(v);
        else {
            std::fprintf(stderr, "unknown option %s\n", k.c_str());
            return 2;
        }
    }
    try {
        awb::LoadOptions lo;
        lo.requireTokenizer = false;
        awb::Model m = awb::loadModel(model, lo);
        if (layers > 0 && layers < m.config.nLayers) {
            m.blocks.resize(layers);
            m.config.nLayers = layers;
        }
        at::manual_seed(0);
        const at::Tensor calib = at::randint(3, m.config.vocabSize, {blocks, seqLen}, at::kLong);
        const double rssBefore = peakRssMb();
        std::vector<double> perBlock;
        awb::JobContext job({}, [&](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); });
        const auto start = std::chrono::steady_clock::now();
        awb::AwqResult r = awb::runAwqSearch(m, calib, o, &job);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (const auto& b : r.blocks)
            perBlock.push_back(b.seconds);
        std::sort(perBlock.begin(), perBlock.end());
        const double median = perBlock[perBlock.size() / 2];
        std::printf("model %s (%s, %lld layers searched, dim %lld, ffn %lld)\n", model.c_str(), m.weightDtype.c_str(),
                    static_cast<long long>(m.config.nLayers), static_cast<long long>(m.config.dim),
                    static_cast<long long>(m.config.hiddenDim));
        std::printf("calibration %lld x %lld tokens, %s, %d threads\n", static_cast<long long>(blocks),
                    static_cast<long long>(seqLen), o.quant.label().c_str(), at::get_num_threads());
        std::printf("search %.1f s, median %.2f s per block, peak RSS %.0f MB (%.0f MB after loading)\n", seconds, median,
                    peakRssMb(), rssBefore);
        std::printf("{\"seconds\": %.3f, \"seconds_per_block_median\": %.3f, \"peak_rss_mb\": %.1f, \"layers\": %lld}\n", seconds,
                    median, peakRssMb(), static_cast<long long>(m.config.nLayers));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
