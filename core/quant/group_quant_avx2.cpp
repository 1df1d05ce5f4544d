// The AVX2 loop of core/quant/quantizer.cpp's pseudo-quantizer: one pass over a group instead of
// libtorch's eight (scale, clip, max, min, divide, round, clamp, dequantize), each with its own
// temporary. Compiled alone with -mavx2 (core/CMakeLists.txt), including nothing but the
// intrinsics. Every step is the same IEEE operation, in the same order, as quantizer.cpp's libtorch
// expressions (no fused multiply-adds, round-half-even, the clamp's operand order of libtorch's
// vectorised clamp so NaN passes through), so the results are equal bit for bit (tst_awq_engine).
#include "core/quant/group_quant_kernel.h"

#include <immintrin.h>

#include <cmath>

namespace awb::detail {

namespace {
inline float horizontalMax(__m256 v)
{
    const __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 t = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(t, _mm_shuffle_ps(t, t, 1)));
}

inline float horizontalMin(__m256 v)
{
    const __m128 s = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 t = _mm_min_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_min_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// libtorch's clamp(a, lo, hi) for floats: NaN stays NaN.
inline __m256 clampLikeTorch(__m256 a, __m256 lo, __m256 hi) { return _mm256_min_ps(hi, _mm256_max_ps(lo, a)); }
inline float clampLikeTorch(float a, float lo, float hi) { return std::isnan(a) ? a : std::fmin(std::fmax(a, lo), hi); }

// w * columnScale: the scale search's trial input.
inline __m256 scaledInput(const float* w, const float* columnScale, int64_t j)
{
    const __m256 v = _mm256_loadu_ps(w + j);
    return columnScale ? _mm256_mul_ps(v, _mm256_loadu_ps(columnScale + j)) : v;
}

// at::max(at::min(v, maxVal), -maxVal): the clip search's trial input. (libtorch's binary min and
// max keep a NaN, these do not: a NaN is caught before the clip and turns its whole group NaN.)
inline __m256 clip(__m256 v, bool clipped, __m256 lo, __m256 hi) { return clipped ? _mm256_max_ps(_mm256_min_ps(v, hi), lo) : v; }
} // namespace

void pseudoQuantizeRowsAvx2(const GroupQuantArgs& a, int64_t rowBegin, int64_t rowEnd)
{
    const int64_t groups = a.in / a.group;
    const float maxInt = a.zeroPoint ? static_cast<float>((1 << a.bits) - 1) : static_cast<float>((1 << (a.bits - 1)) - 1);
    const float minInt = a.zeroPoint ? 0.0f : -static_cast<float>(1 << (a.bits - 1));
    const __m256 lowCode = _mm256_set1_ps(minInt), highCode = _mm256_set1_ps(maxInt);
    for (int64_t r = rowBegin; r < rowEnd; ++r)
        for (int64_t g = 0; g < groups; ++g) {
            const float* w = a.weight + r * a.in + g * a.group;
            const float* columnScale = a.columnScale ? a.columnScale + g * a.group : nullptr;
            float* out = a.out + r * a.in + g * a.group;
            const bool clipped = a.clip != nullptr;
            const float bound = clipped ? a.clip[r * groups + g] : 0.0f;
            const __m256 hi = _mm256_set1_ps(bound), lo = _mm256_set1_ps(-bound);
            // The group's max and min (or max |v|); any NaN makes the whole group NaN, as amax does.
            __m256 top = _mm256_set1_ps(-INFINITY), bottom = _mm256_set1_ps(INFINITY), nan = _mm256_setzero_ps();
            const __m256 signBit = _mm256_set1_ps(-0.0f);
            for (int64_t j = 0; j < a.group; j += 8) {
                __m256 v = scaledInput(w, columnScale, j);
                nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
                v = clip(v, clipped, lo, hi);
                if (!a.zeroPoint)
                    v = _mm256_andnot_ps(signBit, v);
                top = _mm256_max_ps(top, v);
                bottom = _mm256_min_ps(bottom, v);
            }
            // scales = (max - min).clamp_min(1e-5) / maxInt, zeros = clamp(-round(min / scales)),
            // or scales = max|v|.clamp_min(1e-5) / maxInt and zeros = 0
            const float range = _mm256_movemask_ps(nan) ? NAN : a.zeroPoint ? horizontalMax(top) - horizontalMin(bottom) : horizontalMax(top);
            const float scale = (std::isnan(range) ? range : std::fmax(range, 1e-5f)) / maxInt;
            const float zero = a.zeroPoint ? clampLikeTorch(-std::nearbyint(horizontalMin(bottom) / scale), minInt, maxInt) : 0.0f;
            const __m256 scale8 = _mm256_set1_ps(scale), zero8 = _mm256_set1_ps(zero);
            for (int64_t j = 0; j < a.group; j += 8) {
                const __m256 v = clip(scaledInput(w, columnScale, j), clipped, lo, hi);
                __m256 q = _mm256_round_ps(_mm256_div_ps(v, scale8), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
                q = _mm256_add_ps(q, zero8);
                q = clampLikeTorch(q, lowCode, highCode);
                q = _mm256_mul_ps(_mm256_sub_ps(q, zero8), scale8);
                if (columnScale)
                    q = _mm256_div_ps(q, _mm256_loadu_ps(columnScale + j));
                _mm256_storeu_ps(out + j, q);
            }
        }
}

} // namespace awb::detail
