// CPU int4 GEMV (core/awqformat/int4_gemv_cpu.h) against libtorch's fp32 linear at batch 1, on the LLaMA-7B
// projection shapes at group size 128, or on the shapes and group size given; the GEMV reads the
// checkpoint's layout and, as a loaded model's PackedInt4Linear holds it, tiles. Prints medians because
// the machines we share are noisy.
//   bench_int4_cpu [runs=30 [group=128 [KxN...]]]   e.g. bench_int4_cpu 30 64 576x576 576x192 576x1536 1536x576
#include "core/awqformat/awq_packing.h"
#include "core/awqformat/int4_gemv_cpu.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace {
template <typename F>
double medianMs(int runs, F&& f)
{
    for (int i = 0; i < 3; ++i) // warm caches, page in, spin up the thread pool
        f();
    std::vector<double> t;
    for (int i = 0; i < runs; ++i) {
        const auto start = std::chrono::steady_clock::now();
        f();
        t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
    return t[t.size() / 2];
}
} // namespace

int main(int argc, char** argv)
{
    const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 30;
    const int64_t group = argc > 2 ? std::atoll(argv[2]) : 128;
    std::vector<std::pair<int64_t, int64_t>> shapes;
    for (int i = 3; i < argc; ++i) {
        long long K = 0, N = 0;
        if (std::sscanf(argv[i], "%lldx%lld", &K, &N) != 2 || K <= 0 || N <= 0 || K % group != 0 || N % 8 != 0) {
            std::fprintf(stderr, "%s: expected KxN with K a multiple of the group and N of 8\n", argv[i]);
            return 2;
        }
        shapes.emplace_back(K, N);
    }
    if (shapes.empty())
        shapes = {{4096, 4096}, {4096, 11008}, {11008, 4096}};
    std::printf("int4 GEMV (AutoAWQ GEMM layout, g%lld) vs at::linear fp32, batch 1, %d threads, %s path, "
                "median of %d runs\n",
                (long long)group, at::get_num_threads(), awb::int4GemvCpuHasAvx2() ? "AVX2" : "scalar", runs);
    std::printf("%-14s %12s %10s %10s %10s %12s %10s %8s %14s\n", "K x N", "int4 ms", "int4 GB/s", "tiles ms",
                "tiles GB/s", "fp32 ms", "fp32 GB/s", "speedup", "dequantize ms");
    for (const auto& [K, N] : shapes) {
        at::manual_seed(0);
        const at::Tensor qweight = awb::packAwqQweight(at::randint(0, 16, {N, K}, at::kInt));
        const at::Tensor qzeros = awb::packAwqQzeros(at::randint(0, 16, {N, K / group}, at::kInt));
        const at::Tensor scales = (at::rand({K / group, N}) * 0.01).to(at::kHalf);
        const at::Tensor weight = awb::dequantizeAwq(qweight, qzeros, scales, group);
        const at::Tensor x = at::randn({1, K});
        at::Tensor y = at::empty({1, N});

        const double int4Ms = medianMs(runs, [&] {
            awb::int4GemvCpu(x.data_ptr<float>(), qweight.data_ptr<int32_t>(), qzeros.data_ptr<int32_t>(),
                             reinterpret_cast<const uint16_t*>(scales.data_ptr<at::Half>()), 1, K, N, group,
                             y.data_ptr<float>());
        });
        const awb::PackedInt4Linear packed = awb::packedInt4Linear(qweight, qzeros, scales, group);
        at::Tensor yTiles = at::empty({1, N});
        const awb::Int4GemvOperand tiles{packed.qweightTiles.data_ptr<int32_t>(), qzeros.data_ptr<int32_t>(),
                                         reinterpret_cast<const uint16_t*>(scales.data_ptr<at::Half>()), N, group,
                                         yTiles.data_ptr<float>(), awb::Int4Words::Tiles};
        const double tilesMs = medianMs(runs, [&] { awb::int4GemvCpuMany(x.data_ptr<float>(), 1, K, {tiles}); });
        const double fp32Ms = medianMs(runs, [&] { at::linear(x, weight); });
        // What a prefill of a packed model pays per linear (blockAsFloat): the whole fp32 weight.
        const double dequantMs = medianMs(runs, [&] { awb::dequantizeAwqTransposed(qweight, qzeros, scales, group); });
        // Bytes that must come from memory: packed weights, zeros, scales, activations, output.
        const double int4Bytes = double(K) * N / 2 + double(K / group) * N / 2 + double(K / group) * N * 2 +
                                 double(K) * 4 + double(N) * 4;
        const double fp32Bytes = double(K) * N * 4 + double(K) * 4 + double(N) * 4;
        char name[32];
        std::snprintf(name, sizeof name, "%lldx%lld", (long long)K, (long long)N);
        std::printf("%-14s %12.3f %10.2f %10.3f %10.2f %12.3f %10.2f %7.2fx %14.3f\n", name, int4Ms,
                    int4Bytes / int4Ms / 1e6, tilesMs, int4Bytes / tilesMs / 1e6, fp32Ms, fp32Bytes / fp32Ms / 1e6,
                    fp32Ms / std::min(int4Ms, tilesMs), dequantMs);
        const at::Tensor ref = at::linear(x, weight);
        awb::int4GemvCpu(x.data_ptr<float>(), qweight.data_ptr<int32_t>(), qzeros.data_ptr<int32_t>(),
                         reinterpret_cast<const uint16_t*>(scales.data_ptr<at::Half>()), 1, K, N, group,
                         y.data_ptr<float>());
        const double err = (y - ref).pow(2).sum().item<double>() / ref.pow(2).sum().item<double>();
        if (err > 1e-9) {
            std::printf("  result differs from at::linear: normalised error %.3g\n", err);
            return 1;
        }
        if (!at::equal(yTiles, y)) {
            std::printf("  the GEMV on tiles differs from the GEMV on the checkpoint layout\n");
            return 1;
        }
    }
    return 0;
}
