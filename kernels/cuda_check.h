#pragma once
// AWB_CUDA_CHECK(call): every CUDA runtime call in kernels/ goes through it. A failure throws
// awb::CudaError naming the call, file and line, so a host application holding the user's work can
// report it instead of aborting (DESIGN.md, convention 4). Throwing is the only side effect.
#include "core/base/error.h"

#include <cuda_runtime.h>

#include <string>

namespace awb {

class CudaError : public Error {
public:
    CudaError(cudaError_t code, const std::string& message) : Error(message), m_code(code) {}
    cudaError_t code() const { return m_code; }

private:
    cudaError_t m_code;
};

inline void cudaCheck(cudaError_t status, const char* call, const char* file, int line)
{
    if (status != cudaSuccess)
        throw CudaError(status, std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " +
                                    cudaGetErrorName(status) + ": " + cudaGetErrorString(status));
}

} // namespace awb

#define AWB_CUDA_CHECK(call) ::awb::cudaCheck((call), #call, __FILE__, __LINE__)
// After a kernel launch: catches bad launch configurations (not asynchronous faults).
#define AWB_CUDA_CHECK_LAUNCH() ::awb::cudaCheck(cudaGetLastError(), "kernel launch", __FILE__, __LINE__)
