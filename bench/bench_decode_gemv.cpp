// The decode GEMV (core/model/decode_gemv.h) over every block linear of a model, as one decode step
// of M rows reads them: F's stored weights (bf16 for a Hugging Face model) and Q's fp32
// pseudo-quantized ones (RTN w4 g64, as diagnose makes it), M = 1, 2, 4, 8, one thread, median of 7.
// Prints ms per step and the weight bytes read per second. The LM head is left out.
// Usage: bench_decode_gemv --model DIR
#include "bench/bench_models.h"
#include "bench/bench_options.h"
#include "core/model/decode_gemv.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

void measure(const char* name, const awb::Model& model)
{
    std::vector<at::Tensor> weights;
    double bytes = 0;
    for (awb::BlockWeights b : model.blocks)
        b.forEachLinear([&](const std::string&, at::Tensor& w) {
            weights.push_back(w.contiguous());
            bytes += static_cast<double>(w.numel() * w.element_size());
        });
    for (int64_t M : {1, 2, 4, 8}) {
        std::vector<at::Tensor> xs;
        for (const at::Tensor& w : weights)
            xs.push_back(at::randn({M, w.size(1)}));
        std::vector<double> times;
        for (int rep = 0; rep < 7; ++rep) {
            const auto t = std::chrono::steady_clock::now();
            for (size_t i = 0; i < weights.size(); ++i)
                awb::decodeGemv(xs[i], weights[i]);
            times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
        }
        std::sort(times.begin(), times.end());
        const double s = times[times.size() / 2];
        std::printf("%-2s %s weights, %lld rows: %.1f ms per step (%.1f GB/s of weights)\n", name,
                    weights[0].scalar_type() == at::kFloat ? "fp32" : "half", (long long)M, 1e3 * s, bytes / s / 1e9);
    }
}

} // namespace

int main(int argc, char** argv)
{
    std::string modelDir;
    if (!awb::bench::parseOptions(argc, argv, "bench_decode_gemv --model DIR", [&](const std::string& k, const std::string& v) {
            if (k != "--model")
                return false;
            modelDir = v;
            return true;
        }))
        return 2;
    if (modelDir.empty()) {
        std::fprintf(stderr, "need --model\n");
        return 2;
    }
    if (!awb::decodeGemvAvailable()) {
        std::fprintf(stderr, "this CPU lacks avx2/fma/f16c: no decode GEMV to measure\n");
        return 1;
    }
    try {
        at::set_num_threads(1);
        const awb::Model fp = awb::bench::loadBenchModel(modelDir);
        measure("F", fp);
        measure("Q", awb::bench::rtnW4G64(fp));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_decode_gemv: %s\n", e.what());
        return 1;
    }
    return 0;
}
