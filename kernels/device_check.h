#pragma once
// Which W4A16 path can run here, and why. Never throws and never crashes when there is no driver,
// no device, or no kernel image for the device: it reports that as KernelPath::Cpu with a message a
// user can act on. Any thread may call it; it only queries (device 0 after CUDA's usual selection).
#include <cstddef>
#include <string>

namespace awb {

enum class KernelPath {
    TensorCore, // sm_80+: mma.sync m16n8k16 GEMM + the GEMV
    Fallback,   // a device older than sm_80 that this build has an image for: plain CUDA kernels
    Cpu,        // no usable device: use the CPU path (core/awqformat/int4_gemv_cpu.h, core/awqformat/awq_packing.h)
};

struct DeviceInfo {
    KernelPath path = KernelPath::Cpu;
    int driverVersion = 0;  // e.g. 12040 for 12.4; 0 when no driver is installed
    int runtimeVersion = 0; // the CUDA runtime this binary was linked against
    int deviceCount = 0;
    int device = -1;
    std::string name;
    int major = 0, minor = 0; // compute capability
    std::size_t totalMemory = 0, freeMemory = 0;
    std::string message; // one human-readable line: what runs, or why nothing runs on the GPU
};

DeviceInfo checkDevice();
const char* kernelPathName(KernelPath path);

} // namespace awb
