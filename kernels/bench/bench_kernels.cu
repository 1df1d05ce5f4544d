// W4A16 kernels vs cuBLAS FP16 (cublasGemmEx, fp32 compute) on LLaMA-7B projection shapes at g128.
//   bench_kernels [runs=100]
// Per shape and M: median time of single launches timed with CUDA events, achieved GB/s (int4
// weights + zeros + scales + fp16 activations in and out; cuBLAS: fp16 weights + activations) and
// TFLOP/s (2*M*N*K), and the speedup over cuBLAS in the same process. Prints SKIP without a device.
#include "core/half.h"
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

template <typename F>
double medianMs(int runs, F&& launch)
{
    cudaEvent_t start, stop;
    AWB_CUDA_CHECK(cudaEventCreate(&start));
    AWB_CUDA_CHECK(cudaEventCreate(&stop));
    for (int i = 0; i < 5; ++i) // warm-up: clocks, caches, cuBLAS heuristics
        launch();
    std::vector<float> times;
    for (int i = 0; i < runs; ++i) {
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
        std::printf("device: %s\nmedian of %d runs, group size 128\n", info.message.c_str(), runs);
        std::printf("%-12s %4s %-17s %9s %8s %8s | %9s %8s %8s | %7s\n", "K x N", "M", "kernel", "ms", "GB/s",
                    "TFLOP/s", "cuBLAS ms", "GB/s", "TFLOP/s", "speedup");
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

            for (int M : {1, 16, 32, 64, 128, 256}) {
                W4A16Kernel ran = W4A16Kernel::Auto;
                const double ours = medianMs(runs, [&] {
                    ran = M <= kW4A16GemvMaxRows ? launchW4A16Gemv(dx, dq, dz, ds, dy, M, K, N, G)
                                                 : launchW4A16Gemm(dx, dq, dz, ds, dy, M, K, N, G);
                });
                const float alpha = 1.0f, beta = 0.0f;
                // Row-major y [M,N] = x [M,K] . W^T [K,N] is column-major y^T = W^T(op T on W [N,K] rows) . x^T.
                const double blas = medianMs(runs, [&] {
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
                std::printf("%-12s %4d %-17s %9.4f %8.1f %8.2f | %9.4f %8.1f %8.2f | %6.2fx\n", name, M,
                            w4a16KernelName(ran), ours, int4Bytes / ours / 1e6, flop / ours / 1e9, blas,
                            fp16Bytes / blas / 1e6, flop / blas / 1e9, blas / ours);
            }
            AWB_CUDA_CHECK(cudaFree(dq));
            AWB_CUDA_CHECK(cudaFree(dz));
            AWB_CUDA_CHECK(cudaFree(ds));
            AWB_CUDA_CHECK(cudaFree(dx));
            AWB_CUDA_CHECK(cudaFree(dw));
            AWB_CUDA_CHECK(cudaFree(dy));
        }
        cublasDestroy(handle);
    } catch (const Error& e) {
        std::printf("error: %s\n", e.what());
        return 1;
    }
    return 0;
}
