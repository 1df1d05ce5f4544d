#include "kernels/device_check.h"

#include <cuda_runtime.h>

#include <cstdio>

namespace awb {

namespace {
// Asks the runtime whether this binary carries code for the current device: the fatbin holds
// sm_80..sm_90 (CMAKE_CUDA_ARCHITECTURES), so e.g. a T4 (sm_75) has a driver and a device but no image.
__global__ void probeKernel() {}

std::string describe(cudaError_t status) { return std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status); }
} // namespace

const char* kernelPathName(KernelPath path)
{
    switch (path) {
    case KernelPath::TensorCore: return "tensor-core (mma.sync m16n8k16)";
    case KernelPath::Fallback: return "plain CUDA fallback";
    case KernelPath::Cpu: return "CPU";
    }
    return "?";
}

DeviceInfo checkDevice()
{
    DeviceInfo info;
    // These queries are expected to fail on machines without a GPU: failures become the message,
    // and cudaGetLastError() clears the sticky-free error state so later calls start clean.
    cudaDriverGetVersion(&info.driverVersion);
    cudaRuntimeGetVersion(&info.runtimeVersion);
    cudaError_t status = cudaGetDeviceCount(&info.deviceCount);
    if (status != cudaSuccess || info.deviceCount == 0) {
        cudaGetLastError();
        info.deviceCount = 0;
        info.message = "no device: CPU path (" +
                       (status != cudaSuccess ? describe(status) : std::string("cudaGetDeviceCount returned 0")) +
                       (info.driverVersion == 0 ? "; no CUDA driver found" : "") + ")";
        return info;
    }
    status = cudaGetDevice(&info.device);
    cudaDeviceProp prop{};
    if (status == cudaSuccess)
        status = cudaGetDeviceProperties(&prop, info.device);
    if (status != cudaSuccess) {
        cudaGetLastError();
        info.message = "no device: CPU path (cannot query device: " + describe(status) + ")";
        return info;
    }
    info.name = prop.name;
    info.major = prop.major;
    info.minor = prop.minor;
    info.totalMemory = prop.totalGlobalMem;
    if (cudaMemGetInfo(&info.freeMemory, &info.totalMemory) != cudaSuccess)
        cudaGetLastError();

    cudaFuncAttributes attributes{};
    status = cudaFuncGetAttributes(&attributes, probeKernel);
    char line[512];
    if (status != cudaSuccess) {
        cudaGetLastError();
        std::snprintf(line, sizeof line,
                      "no device: CPU path (%s, sm_%d%d, has no kernel image in this build: %s; rebuild with "
                      "CMAKE_CUDA_ARCHITECTURES including %d%d)",
                      prop.name, prop.major, prop.minor, describe(status).c_str(), prop.major, prop.minor);
        info.message = line;
        return info;
    }
    info.path = prop.major >= 8 ? KernelPath::TensorCore : KernelPath::Fallback;
    std::snprintf(line, sizeof line, "%s, sm_%d%d, %.1f GiB (%.1f free), driver %d.%d, runtime %d.%d: %s", prop.name,
                  prop.major, prop.minor, info.totalMemory / 1073741824.0, info.freeMemory / 1073741824.0,
                  info.driverVersion / 1000, info.driverVersion % 1000 / 10, info.runtimeVersion / 1000,
                  info.runtimeVersion % 1000 / 10, kernelPathName(info.path));
    info.message = line;
    return info;
}

} // namespace awb
