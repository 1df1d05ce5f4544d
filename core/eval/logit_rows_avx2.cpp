// The AVX2+FMA loops of core/eval/logit_rows.cpp. Compiled alone with -mavx2 -mfma
// (core/CMakeLists.txt), including nothing but the intrinsics and their static inline helpers, like
// core/model/decode_attention_avx2.cpp. Sums are kept in fp64 (4 lanes each for the low and high
// half of 8 floats): a row has ~50k terms and the drift figures are small differences of them.
#include "core/base/avx2_math.h"

#include <immintrin.h>

#include <cstdint>

namespace awb::detail {

using avx2::expNonPositive;
using avx2::expScalar;
using avx2::horizontalMax;
using avx2::horizontalSum;

namespace {
// Below this x = z - max the terms are 0 (expNonPositive flushes them); clamping x there first keeps
// e^x * x at 0 for a -inf logit instead of 0 * -inf.
constexpr float kLowest = -87.0f;

inline void addWide(__m256 v, __m256d& lo, __m256d& hi)
{
    lo = _mm256_add_pd(lo, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    hi = _mm256_add_pd(hi, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}
} // namespace

// The largest z[0, V) and the first index holding it.
void rowMaxAvx2(const float* z, int64_t V, float* max, int64_t* argmax)
{
    const int64_t v8 = V & ~int64_t(7);
    __m256 m = _mm256_set1_ps(-__builtin_inff());
    for (int64_t j = 0; j < v8; j += 8)
        m = _mm256_max_ps(m, _mm256_loadu_ps(z + j));
    float top = horizontalMax(m);
    for (int64_t j = v8; j < V; ++j)
        top = z[j] > top ? z[j] : top;
    *max = top;
    *argmax = 0;
    const __m256 top8 = _mm256_set1_ps(top);
    for (int64_t j = 0; j < v8; j += 8)
        if (const int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(z + j), top8, _CMP_EQ_OQ))) {
            *argmax = j + __builtin_ctz(static_cast<unsigned>(mask));
            return;
        }
    for (int64_t j = v8; j < V; ++j)
        if (z[j] == top) {
            *argmax = j;
            return;
        }
}

// S = sum e^x and T = sum e^x * x over x = z[j] - top.
void rowExpSumsAvx2(const float* z, float top, int64_t V, double* S, double* T)
{
    const int64_t v8 = V & ~int64_t(7);
    const __m256 top8 = _mm256_set1_ps(top), lowest = _mm256_set1_ps(kLowest);
    __m256d s0 = _mm256_setzero_pd(), s1 = s0, t0 = s0, t1 = s0;
    for (int64_t j = 0; j < v8; j += 8) {
        const __m256 x = _mm256_max_ps(_mm256_sub_ps(_mm256_loadu_ps(z + j), top8), lowest);
        const __m256 e = expNonPositive(x);
        addWide(e, s0, s1);
        addWide(_mm256_mul_ps(e, x), t0, t1);
    }
    double s = horizontalSum(_mm256_add_pd(s0, s1)), t = horizontalSum(_mm256_add_pd(t0, t1));
    for (int64_t j = v8; j < V; ++j) {
        const float x = z[j] - top > kLowest ? z[j] - top : kLowest;
        const float e = expScalar(x);
        s += e;
        t += static_cast<double>(e * x);
    }
    *S = s;
    *T = t;
}

// sum e^(zf - topF) * ((zf - topF) - (zq - topQ)).
double rowKlSumAvx2(const float* zf, float topF, const float* zq, float topQ, int64_t V)
{
    const int64_t v8 = V & ~int64_t(7);
    const __m256 f8 = _mm256_set1_ps(topF), q8 = _mm256_set1_ps(topQ), lowest = _mm256_set1_ps(kLowest);
    __m256d d0 = _mm256_setzero_pd(), d1 = d0;
    for (int64_t j = 0; j < v8; j += 8) {
        const __m256 xf = _mm256_max_ps(_mm256_sub_ps(_mm256_loadu_ps(zf + j), f8), lowest);
        const __m256 xq = _mm256_max_ps(_mm256_sub_ps(_mm256_loadu_ps(zq + j), q8), lowest);
        addWide(_mm256_mul_ps(expNonPositive(xf), _mm256_sub_ps(xf, xq)), d0, d1);
    }
    double d = horizontalSum(_mm256_add_pd(d0, d1));
    for (int64_t j = v8; j < V; ++j) {
        const float xf = zf[j] - topF > kLowest ? zf[j] - topF : kLowest;
        const float xq = zq[j] - topQ > kLowest ? zq[j] - topQ : kLowest;
        d += static_cast<double>(expScalar(xf) * (xf - xq));
    }
    return d;
}

} // namespace awb::detail
