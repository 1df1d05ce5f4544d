// W4A16 kernels vs cuBLAS FP16 (cublasGemmEx, fp32 compute) on LLaMA-7B projection shapes at g128.
//   bench_kernels [runs=100]
// Per shape and M: median time of single launches timed with CUDA events, achieved GB/s (int4
// weights + zeros + scales + fp16 activations in and out; cuBLAS: fp16 weights + activations) and
// TFLOP/s (2*M*N*K), and the speedup over cuBLAS in the same process. Prints SKIP without a device.
// L2 is flushed (read over) before every timed launch: the 4096x4096 int4 weights (8 MB) would otherwise stay
// in the 50-60 MB L2 between runs and the "HBM" figures would be L2 figures. The bandwidth line
// compares with a device-to-device copy measured in the same run and with the nominal HBM peak.
#include "core/base/half.h"
#include "kernels/cuda_check.h"
#include "kernels/device_check.h"
#include "kernels/w4a16_gemm.h"
#include "kernels/w4a16_gemv.h"

#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using namespace awb;

namespace {

void cublasCheck(cublasStatus_t status, const char* call, int line)
{
    if (status != CUBLAS_STATUS_SUCCESS)
        throw Error(std::string(__FILE__) + ":" + std::to_string(line) + ": " + call + " failed: cuBLAS status " +
                    std::to_string(int(status)));
}
#define AWB_CUBLAS_CHECK(call) cublasCheck((call), #call, __LINE__)

// Reads a buffer of 4x the L2 size so the next launch finds none of its operands in L2.
__global__ void readBuffer(const uint4* __restrict__ p, size_t n, unsigned* sink)
{
    unsigned acc = 0;
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
        const uint4 v = p[i];
        acc ^= v.x ^ v.y ^ v.z ^ v.w;
    }
    if (acc == 0x9e3779b9u) // never true for the zero buffer; keeps the loads alive
        *sink = acc;
}

// Run before each timed launch so that every launch reads its operands from HBM. A read, not a
// memset: a memset leaves L2 full of dirty lines whose write-back would slow the timed launch
// (cuBLAS showed 1.9 TB/s after a memset flush).
struct L2Flush {
    uint4* buffer = nullptr;
    unsigned* sink = nullptr;
    size_t count = 0;
    L2Flush()
    {
        int l2 = 0;
        AWB_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, 0));
        count = std::max<size_t>(size_t(l2) * 4, size_t(64) << 20) / sizeof(uint4);
        AWB_CUDA_CHECK(cudaMalloc(&buffer, count * sizeof(uint4)));
        AWB_CUDA_CHECK(cudaMalloc(&sink, sizeof(unsigned)));
        AWB_CUDA_CHECK(cudaMemset(buffer, 0, count * sizeof(uint4)));
    }
    ~L2Flush()
    {
        cudaFree(buffer);
        cudaFree(sink);
    }
    void operator()() const
    {
        readBuffer<<<1024, 256>>>(buffer, count, sink);
        AWB_CUDA_CHECK_LAUNCH();
    }
};

template <typename F>
double medianMs(int runs, const L2Flush& flush, F&& launch)
{
    cudaEvent_t start, stop;
    AWB_CUDA_CHECK(cudaEventCreate(&start));
    AWB_CUDA_CHECK(cudaEventCreate(&stop));
    for (int i = 0; i < 5; ++i) // warm-up: clocks, caches, cuBLAS heuristics
        launch();
    std::vector<float> times;
    for (int i = 0; i < runs; ++i) {
        flush();
        AWB_CUDA_CHECK(cudaEventRecord(start));
        launch();
        AWB_CUDA_CHECK(cudaEventRecord(stop));
        AWB_CUDA_CHECK(cudaEventSynchronize(stop));
        float ms = 0.0f;
        AWB_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
        times.push_back(ms);
    }
    AWB_CUDA_CHECK(cudaEventDestroy(start));
    AWB_CUDA_CHECK(cudaEventDestroy(stop));
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    return times[times.size() / 2];
}

template <typename T>
T* deviceCopy(const std::vector<T>& host)
{
    T* p = nullptr;
    AWB_CUDA_CHECK(cudaMalloc(&p, host.size() * sizeof(T)));
    AWB_CUDA_CHECK(cudaMemcpy(p, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
    return p;
}

// Nominal HBM bandwidth of the cards we expect, GB/s (vendor data sheets); 0 when unknown.
double nominalPeakGBps(const std::string& name)
{
    if (name.find("H200") != std::string::npos)
        return 4800;
    if (name.find("H100") != std::string::npos)
        return name.find("PCIe") != std::string::npos ? 2000 : 3350;
    if (name.find("A100") != std::string::npos)
        return name.find("80GB") != std::string::npos ? 2039 : 1555;
    return 0;
}

// Achievable bandwidth: a 1 GiB device-to-device copy, counting bytes read and written.
double copyGBps(const L2Flush& flush)
{
    const size_t bytes = size_t(1) << 30;
    void *a = nullptr, *b = nullptr;
    AWB_CUDA_CHECK(cudaMalloc(&a, bytes));
    AWB_CUDA_CHECK(cudaMalloc(&b, bytes));
    const double ms = medianMs(20, flush, [&] { AWB_CUDA_CHECK(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice)); });
    AWB_CUDA_CHECK(cudaFree(a));
    AWB_CUDA_CHECK(cudaFree(b));
    return 2.0 * bytes / ms / 1e6;
}

// Every projection of a LLaMA-7B-shaped decoder (32 blocks x q,k,v,o,gate,up,down at g128) run in
// sequence, as one decode step (M = 1) and one prefill (M = 512) would run them: weights for the
// whole stack are resident, so L2 only helps as much as it does in a real model. Attention, norms
// and the LM head are not included: this is the linear-layer share of a step and its memory.
void benchLinearStack(cublasHandle_t handle, const L2Flush& flush, int runs)
{
    struct Proj {
        int K, N;
    };
    const Proj block[] = {{4096, 4096}, {4096, 4096}, {4096, 4096}, {4096, 4096},
                          {4096, 11008}, {4096, 11008}, {11008, 4096}};
    const int layers = 32, G = 128, maxM = 512, maxDim = 11008;
    struct Weights {
        int32_t *qweight, *qzeros;
        __half *scales, *w16;
        int K, N;
    };
    std::vector<Weights> stack;
    size_t int4Bytes = 0, fp16Bytes = 0;
    for (int l = 0; l < layers; ++l)
        for (const Proj& p : block) {
            Weights w{nullptr, nullptr, nullptr, nullptr, p.K, p.N};
            const size_t q = size_t(p.K) * p.N / 2, z = size_t(p.K / G) * p.N / 2, sc = size_t(p.K / G) * p.N * 2;
            AWB_CUDA_CHECK(cudaMalloc(&w.qweight, q));
            AWB_CUDA_CHECK(cudaMalloc(&w.qzeros, z));
            AWB_CUDA_CHECK(cudaMalloc(&w.scales, sc));
            AWB_CUDA_CHECK(cudaMalloc(&w.w16, size_t(p.K) * p.N * 2));
            // Content does not change the speed of either path; 0x3c00 = fp16 1.0 keeps the outputs finite.
            AWB_CUDA_CHECK(cudaMemset(w.qweight, 0x5a, q));
            AWB_CUDA_CHECK(cudaMemset(w.qzeros, 0x88, z));
            AWB_CUDA_CHECK(cudaMemset(w.scales, 0x10, sc));
            AWB_CUDA_CHECK(cudaMemset(w.w16, 0x10, size_t(p.K) * p.N * 2));
            int4Bytes += q + z + sc;
            fp16Bytes += size_t(p.K) * p.N * 2;
            stack.push_back(w);
        }
    __half *x = nullptr, *y = nullptr;
    AWB_CUDA_CHECK(cudaMalloc(&x, size_t(maxM) * maxDim * 2));
    AWB_CUDA_CHECK(cudaMalloc(&y, size_t(maxM) * maxDim * 2));
    AWB_CUDA_CHECK(cudaMemset(x, 0x10, size_t(maxM) * maxDim * 2));
    const float alpha = 1.0f, beta = 0.0f;
    std::printf("\nLLaMA-7B-shaped linear stack (32 blocks x 7 projections, g128; attention, norms, LM head excluded)\n"
                "weights: W4A16 %.2f GB, FP16 %.2f GB\n", int4Bytes / 1e9, fp16Bytes / 1e9);
    for (int M : {1, 512}) {
        const double ours = medianMs(runs / 5, flush, [&] {
            for (const Weights& w : stack)
                M <= kW4A16GemvMaxRows ? launchW4A16Gemv(x, w.qweight, w.qzeros, w.scales, y, M, w.K, w.N, G)
                                       : launchW4A16Gemm(x, w.qweight, w.qzeros, w.scales, y, M, w.K, w.N, G);
        });
        const double blas = medianMs(runs / 5, flush, [&] {
            for (const Weights& w : stack)
                AWB_CUBLAS_CHECK(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, w.N, M, w.K, &alpha, w.w16, CUDA_R_16F,
                                              w.K, x, CUDA_R_16F, w.K, &beta, y, CUDA_R_16F, w.N, CUBLAS_COMPUTE_32F,
                                              CUBLAS_GEMM_DEFAULT));
        });
        std::printf("%-8s M=%-4d W4A16 %8.3f ms = %9.0f tokens/s | FP16 cuBLAS %8.3f ms = %9.0f tokens/s | %5.2fx\n",
                    M == 1 ? "decode" : "prefill", M, ours, M * 1e3 / ours, blas, M * 1e3 / blas, blas / ours);
    }
    for (const Weights& w : stack) {
        AWB_CUDA_CHECK(cudaFree(w.qweight));
        AWB_CUDA_CHECK(cudaFree(w.qzeros));
        AWB_CUDA_CHECK(cudaFree(w.scales));
        AWB_CUDA_CHECK(cudaFree(w.w16));
    }
    AWB_CUDA_CHECK(cudaFree(x));
    AWB_CUDA_CHECK(cudaFree(y));
}

} // namespace

int main(int argc, char** argv)
{
    const int runs = argc > 1 ? std::max(50, std::atoi(argv[1])) : 100;
    const DeviceInfo info = checkDevice();
    if (info.path == KernelPath::Cpu) {
        std::printf("SKIP: no CUDA device (%s)\n", info.message.c_str());
        return 0;
    }
    try {
        const L2Flush flush;
        const double peak = nominalPeakGBps(info.name), copy = copyGBps(flush);
        std::printf("device: %s\nmedian of %d runs, group size 128, L2 flushed before each launch\n"
                    "bandwidth: device-to-device copy %.0f GB/s, nominal HBM peak %.0f GB/s\n"
                    "%%peak / %%copy: W4A16 GB/s as a share of the nominal peak / of the measured copy\n",
                    info.message.c_str(), runs, copy, peak);
        std::printf("%-12s %4s %-17s %9s %8s %8s | %9s %8s %8s | %7s\n", "K x N", "M", "kernel", "ms", "GB/s",
                    "TFLOP/s", "cuBLAS ms", "GB/s", "TFLOP/s", "speedup %peak %copy");
        cublasHandle_t handle;
        AWB_CUBLAS_CHECK(cublasCreate(&handle));
        const int G = 128, maxM = 256;
        const int shapes[][2] = {{4096, 4096}, {4096, 11008}, {11008, 4096}};
        std::mt19937 rng(7);
        for (const auto& s : shapes) {
            const int K = s[0], N = s[1];
            std::uniform_int_distribution<uint32_t> bits;
            std::vector<int32_t> qweight(size_t(K) * N / 8), qzeros(size_t(K / G) * N / 8);
            for (auto& w : qweight)
                w = int32_t(bits(rng));
            for (auto& w : qzeros)
                w = int32_t(bits(rng));
            std::normal_distribution<float> normal(0.0f, 1.0f);
            std::vector<uint16_t> scales(size_t(K / G) * N), x(size_t(maxM) * K), w16(size_t(N) * K);
            for (auto& v : scales)
                v = floatToHalf(0.01f);
            for (auto& v : x)
                v = floatToHalf(normal(rng));
            for (auto& v : w16)
                v = floatToHalf(0.02f * normal(rng));
            int32_t* dq = deviceCopy(qweight);
            int32_t* dz = deviceCopy(qzeros);
            auto* ds = reinterpret_cast<__half*>(deviceCopy(scales));
            auto* dx = reinterpret_cast<__half*>(deviceCopy(x));
            auto* dw = reinterpret_cast<__half*>(deviceCopy(w16));
            __half* dy = nullptr;
            AWB_CUDA_CHECK(cudaMalloc(&dy, size_t(maxM) * N * 2));

            for (int M : {1, 2, 4, 8, 16, 32, 64, 128, 256}) {
                W4A16Kernel ran = W4A16Kernel::Auto;
                const double ours = medianMs(runs, flush, [&] {
                    ran = M <= kW4A16GemvMaxRows ? launchW4A16Gemv(dx, dq, dz, ds, dy, M, K, N, G)
                                                 : launchW4A16Gemm(dx, dq, dz, ds, dy, M, K, N, G);
                });
                const float alpha = 1.0f, beta = 0.0f;
                // Row-major y [M,N] = x [M,K] . W^T [K,N] is column-major y^T = W^T(op T on W [N,K] rows) . x^T.
                const double blas = medianMs(runs, flush, [&] {
                    AWB_CUBLAS_CHECK(cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, N, M, K, &alpha, dw, CUDA_R_16F, K,
                                                  dx, CUDA_R_16F, K, &beta, dy, CUDA_R_16F, N, CUBLAS_COMPUTE_32F,
                                                  CUBLAS_GEMM_DEFAULT));
                });
                const double act = double(M) * K * 2 + double(M) * N * 2;
                const double int4Bytes = double(K) * N / 2 + double(K / G) * N / 2 + double(K / G) * N * 2 + act;
                const double fp16Bytes = double(K) * N * 2 + act;
                const double flop = 2.0 * M * N * K;
                char name[32];
                std::snprintf(name, sizeof name, "%dx%d", K, N);
                const double gbps = int4Bytes / ours / 1e6;
                std::printf("%-12s %4d %-17s %9.4f %8.1f %8.2f | %9.4f %8.1f %8.2f | %6.2fx %5.0f %5.0f\n", name, M,
                            w4a16KernelName(ran), ours, gbps, flop / ours / 1e9, blas, fp16Bytes / blas / 1e6,
                            flop / blas / 1e9, blas / ours, peak > 0 ? 100 * gbps / peak : 0.0, 100 * gbps / copy);
            }
            AWB_CUDA_CHECK(cudaFree(dq));
            AWB_CUDA_CHECK(cudaFree(dz));
            AWB_CUDA_CHECK(cudaFree(ds));
            AWB_CUDA_CHECK(cudaFree(dx));
            AWB_CUDA_CHECK(cudaFree(dw));
            AWB_CUDA_CHECK(cudaFree(dy));
        }
        benchLinearStack(handle, flush, runs);
        cublasDestroy(handle);
    } catch (const Error& e) {
        std::printf("error: %s\n", e.what());
        return 1;
    }
    return 0;
}
