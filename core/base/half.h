#pragma once
// IEEE 754 binary16 <-> binary32 conversion on raw bits, without libtorch or CUDA headers, so the
// CPU reference (core/awqformat/int4_reference.*) and the standalone kernels test can share it. Round to
// nearest, ties to even, exactly as the hardware converters (F16C, CUDA __float2half_rn) do, so the
// reference sees bit-identical fp16 values to the GPU. Pure functions: any thread may call them.
#include <cstdint>
#include <cstring>

namespace awb {

inline float halfToFloat(uint16_t h)
{
    const uint32_t sign = uint32_t(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    const uint32_t mantissa = h & 0x3ffu;
    uint32_t bits;
    if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else {
            // Subnormal: the value is mantissa * 2^-24, exact in fp32.
            float f = float(mantissa) * 5.9604644775390625e-8f;
            std::memcpy(&bits, &f, 4);
            bits |= sign;
        }
    } else if (exponent == 31) {
        bits = sign | 0x7f800000u | (mantissa << 13); // inf / NaN (payload kept)
    } else {
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13); // rebias 15 -> 127
    }
    float out;
    std::memcpy(&out, &bits, 4);
    return out;
}

inline uint16_t floatToHalf(float f)
{
    uint32_t x;
    std::memcpy(&x, &f, 4);
    const uint16_t sign = uint16_t((x >> 16) & 0x8000u);
    const uint32_t absx = x & 0x7fffffffu;
    if (absx > 0x7f800000u) // NaN: keep it quiet and non-zero
        return uint16_t(sign | 0x7e00u | ((absx >> 13) & 0x3ffu));
    if (absx >= 0x47800000u) // >= 2^16 (or inf): beyond the largest finite half after rounding
        return uint16_t(sign | 0x7c00u);
    if (absx >= 0x38800000u) { // normal half range [2^-14, 2^16)
        uint32_t h = (absx - 0x38000000u) >> 13; // rebias 127 -> 15 and drop 13 mantissa bits
        const uint32_t rest = absx & 0x1fffu;
        if (rest > 0x1000u || (rest == 0x1000u && (h & 1u)))
            ++h; // a carry into the exponent is the correct result (up to inf at 65520)
        return uint16_t(sign | h);
    }
    // Subnormal half: value / 2^-24 rounded to an integer in [0, 1024].
    const uint32_t exponent = absx >> 23;
    if (exponent < 102) // below 2^-25: rounds to zero (2^-25 itself is a tie and goes to even 0)
        return sign;
    const uint32_t significand = (absx & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - exponent; // 14..24
    uint32_t h = significand >> shift;
    const uint32_t rest = significand & ((1u << shift) - 1u);
    const uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (h & 1u)))
        ++h;
    return uint16_t(sign | h);
}

// fp16 rounding of an fp32 value, as a float: what storing into an fp16 tensor does.
inline float roundToHalf(float f) { return halfToFloat(floatToHalf(f)); }

} // namespace awb
