#pragma once
// Run-time CPU checks for the hand-written AVX2 kernels (core/model/decode_gemv,
// core/awqformat/int4_gemv_cpu and the others): most need avx2, fma and f16c; the pseudo-quantizer
// (core/quant/group_quant_avx2.cpp) needs avx2 only.
// f16c comes from cpuid: clang's __builtin_cpu_supports does not know it (the fuzz build's compiler).
#include <cpuid.h>

namespace awb {

inline bool cpuHasAvx2()
{
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return has;
}

inline bool cpuHasAvx2FmaF16c()
{
    static const bool has = [] {
        unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
        const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
        return cpuHasAvx2() && __builtin_cpu_supports("fma") && f16c;
    }();
    return has;
}

} // namespace awb
