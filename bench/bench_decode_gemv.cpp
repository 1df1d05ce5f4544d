// The decode GEMV (core/model/decode_gemv.h) over every block linear of a model, as one decode step
// of M rows reads them: F's stored weights (bf16 for a Hugging Face model) and Q's pseudo-quantized
// ones (RTN w4 g64), as fp32 and as the int8 codes diagnose keeps for decoding, M = 1, 2, 4, 8, one
// thread, median of 7.
// Prints ms per step and the weight bytes read per second. The LM head is left out.
// Usage: bench_decode_gemv --model DIR
#include "bench/bench_models.h"
#include "bench/bench_options.h"
#include "core/model/decode_gemv.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

// Every block linear of `model` through blockLinear, as a decode step of M rows runs them: the
// stored weights, or a pseudo-quantized Q's int8 codes where it keeps them.
void measure(const char* name, const awb::Model& model)
{
    struct Linear {
        const awb::BlockWeights* block;
        std::string name;
        int64_t in;
    };
    std::vector<Linear> linears;
    double bytes = 0;
    std::string kind;
    for (const awb::BlockWeights& b : model.blocks) {
        awb::BlockWeights copy = b;
        copy.forEachLinear([&](const std::string& n, at::Tensor& w) {
            linears.push_back({&b, n, w.size(1)});
            const auto codes = b.codes.find(n);
            const bool coded = codes != b.codes.end();
            bytes += coded ? static_cast<double>(codes->second.codes.numel() + 4 * codes->second.scales.numel())
                           : static_cast<double>(w.numel() * w.element_size());
            kind = coded ? "int8 codes" : w.scalar_type() == at::kFloat ? "fp32" : "half";
        });
    }
    for (int64_t M : {1, 2, 4, 8}) {
        std::vector<at::Tensor> xs;
        for (const Linear& l : linears)
            xs.push_back(at::randn({M, l.in}));
        std::vector<double> times;
        for (int rep = 0; rep < 7; ++rep) {
            const auto t = std::chrono::steady_clock::now();
            for (size_t i = 0; i < linears.size(); ++i)
                awb::blockLinear(*linears[i].block, linears[i].name, xs[i]);
            times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
        }
        std::sort(times.begin(), times.end());
        const double s = times[times.size() / 2];
        std::printf("%-7s %s weights, %lld rows: %.1f ms per step (%.1f GB/s of weights)\n", name, kind.c_str(), (long long)M, 1e3 * s,
                    bytes / s / 1e9);
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
        measure("Q", awb::bench::rtnW4G64(fp, false));
        measure("Q codes", awb::bench::rtnW4G64(fp));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_decode_gemv: %s\n", e.what());
        return 1;
    }
    return 0;
}
