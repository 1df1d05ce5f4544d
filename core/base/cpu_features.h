#pragma once
// Run-time CPU checks for the hand-written AVX2 kernels (core/model/decode_gemv,
// core/awqformat/int4_gemv_cpu): both need avx2, fma and f16c.
namespace awb {

inline bool cpuHasAvx2FmaF16c()
{
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }();
    return has;
}

} // namespace awb
