// The AVX2+FMA loops of core/model/decode_attention.cpp. Compiled alone with -mavx2 -mfma
// (core/CMakeLists.txt) and, like decode_gemv_avx2.cpp, including nothing but the intrinsics and
// their static inline helpers (core/base/avx2_math.h), so no AVX2 copy of a shared inline function
// can reach a CPU without AVX2 before the run-time check.
// Head widths are multiples of 8 (the caller checks).
#include "core/base/avx2_math.h"

#include <immintrin.h>

#include <cstdint>

namespace awb::detail {

using avx2::expNonPositive;
using avx2::expScalar;
using avx2::horizontalMax;
using avx2::horizontalSum;

// scores[i * stride + j] = q_i . k_j for nq queries (rows of q) and n keys (rows of keys), width hd.
void attentionScoresAvx2(const float* q, int64_t nq, const float* keys, int64_t n, int64_t hd, float* scores, int64_t stride)
{
    constexpr int64_t kBlock = 32; // keys per block: 32 x 256 bytes (hd 64) stay in L1 for every query
    for (int64_t j0 = 0; j0 < n; j0 += kBlock) {
        const int64_t j1 = j0 + kBlock < n ? j0 + kBlock : n;
        for (int64_t i = 0; i < nq; ++i) {
            const float* qi = q + i * hd;
            for (int64_t j = j0; j < j1; ++j) {
                const float* k = keys + j * hd;
                __m256 a0 = _mm256_mul_ps(_mm256_loadu_ps(qi), _mm256_loadu_ps(k));
                __m256 a1 = _mm256_setzero_ps();
                int64_t d = 8;
                for (; d + 8 < hd; d += 16) {
                    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(qi + d), _mm256_loadu_ps(k + d), a1);
                    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(qi + d + 8), _mm256_loadu_ps(k + d + 8), a0);
                }
                if (d < hd)
                    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(qi + d), _mm256_loadu_ps(k + d), a1);
                scores[i * stride + j] = horizontalSum(_mm256_add_ps(a0, a1));
            }
        }
    }
}

// The softmax of s[0..n) in place.
void softmaxAvx2(float* s, int64_t n)
{
    const int64_t n8 = n & ~int64_t(7);
    __m256 m = _mm256_set1_ps(-__builtin_inff());
    for (int64_t j = 0; j < n8; j += 8)
        m = _mm256_max_ps(m, _mm256_loadu_ps(s + j));
    float top = horizontalMax(m);
    for (int64_t j = n8; j < n; ++j)
        top = s[j] > top ? s[j] : top;
    const __m256 top8 = _mm256_set1_ps(top);
    __m256 sum = _mm256_setzero_ps();
    for (int64_t j = 0; j < n8; j += 8) {
        const __m256 e = expNonPositive(_mm256_sub_ps(_mm256_loadu_ps(s + j), top8));
        _mm256_storeu_ps(s + j, e);
        sum = _mm256_add_ps(sum, e);
    }
    float total = horizontalSum(sum);
    for (int64_t j = n8; j < n; ++j) {
        s[j] = expScalar(s[j] - top);
        total += s[j];
    }
    const __m256 inv = _mm256_set1_ps(1.0f / total);
    for (int64_t j = 0; j < n8; j += 8)
        _mm256_storeu_ps(s + j, _mm256_mul_ps(_mm256_loadu_ps(s + j), inv));
    for (int64_t j = n8; j < n; ++j)
        s[j] *= 1.0f / total;
}

namespace {

// ctx_i[0, 8L) += sum_j p_ij v_j[0, 8L) for keys j0..j1: L accumulators held in registers.
template <int L>
void valuesBlock(const float* p, int64_t stride, int64_t nq, const float* values, int64_t j0, int64_t j1, int64_t hd, float* ctx)
{
    for (int64_t i = 0; i < nq; ++i) {
        __m256 acc[L];
        for (int l = 0; l < L; ++l)
            acc[l] = _mm256_loadu_ps(ctx + i * hd + 8 * l);
        for (int64_t j = j0; j < j1; ++j) {
            const __m256 w = _mm256_set1_ps(p[i * stride + j]);
            for (int l = 0; l < L; ++l)
                acc[l] = _mm256_fmadd_ps(w, _mm256_loadu_ps(values + j * hd + 8 * l), acc[l]);
        }
        for (int l = 0; l < L; ++l)
            _mm256_storeu_ps(ctx + i * hd + 8 * l, acc[l]);
    }
}

} // namespace

// ctx_i += sum_j p[i * stride + j] v_j for nq queries and n value rows of width hd, j in order.
void attentionValuesAvx2(const float* p, int64_t stride, int64_t nq, const float* values, int64_t n, int64_t hd, float* ctx)
{
    constexpr int64_t kBlock = 32; // value rows per block, read from L1 for every query
    for (int64_t d0 = 0; d0 < hd; d0 += 64)
        for (int64_t j0 = 0; j0 < n; j0 += kBlock) {
            const int64_t j1 = j0 + kBlock < n ? j0 + kBlock : n;
            const float* v = values + d0;
            float* c = ctx + d0;
            switch (hd - d0 < 64 ? (hd - d0) / 8 : 8) {
            case 1: valuesBlock<1>(p, stride, nq, v, j0, j1, hd, c); break;
            case 2: valuesBlock<2>(p, stride, nq, v, j0, j1, hd, c); break;
            case 3: valuesBlock<3>(p, stride, nq, v, j0, j1, hd, c); break;
            case 4: valuesBlock<4>(p, stride, nq, v, j0, j1, hd, c); break;
            case 5: valuesBlock<5>(p, stride, nq, v, j0, j1, hd, c); break;
            case 6: valuesBlock<6>(p, stride, nq, v, j0, j1, hd, c); break;
            case 7: valuesBlock<7>(p, stride, nq, v, j0, j1, hd, c); break;
            default: valuesBlock<8>(p, stride, nq, v, j0, j1, hd, c); break;
            }
        }
}

} // namespace awb::detail
