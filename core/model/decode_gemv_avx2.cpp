// The AVX2+FMA+F16C loop of core/model/decode_gemv.cpp. Compiled alone with -mavx2 -mfma -mf16c
// (core/CMakeLists.txt); like core/awqformat/int4_gemv_avx2.cpp it includes nothing but the
// intrinsics and instantiates no library templates, so no AVX2 copy of a shared inline function can
// reach a CPU without AVX2 before the run-time check.
#include <immintrin.h>

#include <cstdint>
#include <type_traits>

namespace awb::detail {

namespace {

enum class Weights { Bf16, Fp16, Fp32 };

template <Weights W>
using Element = std::conditional_t<W == Weights::Fp32, float, uint16_t>;

// 8 weights -> 8 floats. bf16 is the top half of an fp32: widen and shift; fp16 goes through F16C's
// converter. Both are exact.
template <Weights W>
inline __m256 load8(const Element<W>* p)
{
    if constexpr (W == Weights::Fp32) {
        return _mm256_loadu_ps(p);
    } else {
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        if constexpr (W == Weights::Bf16)
            return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
        else
            return _mm256_cvtph_ps(h);
    }
}

template <Weights W>
inline float toFloat(Element<W> v)
{
    if constexpr (W == Weights::Fp32) {
        return v;
    } else if constexpr (W == Weights::Bf16) {
        const uint32_t bits = static_cast<uint32_t>(v) << 16;
        float f;
        __builtin_memcpy(&f, &bits, sizeof f);
        return f;
    } else {
        return _cvtsh_ss(v);
    }
}

inline float horizontalSum(__m256 v)
{
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

// Outputs of rows m0 .. m0 + R - 1 of x for weight row n, two accumulators each (even and odd
// 8-lane steps): each weight vector is loaded once for R rows of x (one output per weight load, as
// before, was bound by loads at 8 rows), and each output is summed in the same order whatever R, so
// a row's result does not depend on the other rows. One weight row at a time, read front to back:
// one sequential stream that the hardware prefetcher follows (interleaved rows were short streams
// that reached a fraction of this machine's DRAM bandwidth), with a software prefetch ahead of it.
constexpr int64_t kPrefetchBytes = 1024;

template <Weights W, int R>
void block(const float* x, const Element<W>* row, int64_t K, int64_t N, int64_t n, int64_t m0, float* y)
{
    __m256 a0[R], a1[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
        a0[r] = a1[r] = _mm256_setzero_ps();
    const int64_t k16 = K & ~int64_t(15), k8 = K & ~int64_t(7);
    int64_t k = 0;
    for (; k < k16; k += 16) {
        if constexpr (W == Weights::Fp32) // 16 floats: one cache line
            _mm_prefetch(reinterpret_cast<const char*>(row + k) + kPrefetchBytes, _MM_HINT_T0);
        else if (k % 32 == 0)
            _mm_prefetch(reinterpret_cast<const char*>(row + k) + kPrefetchBytes, _MM_HINT_T0);
        const __m256 w0 = load8<W>(row + k), w1 = load8<W>(row + k + 8);
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) {
            a0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + (m0 + r) * K + k), a0[r]);
            a1[r] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + (m0 + r) * K + k + 8), a1[r]);
        }
    }
    if (k < k8) {
        const __m256 w0 = load8<W>(row + k);
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r)
            a0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + (m0 + r) * K + k), a0[r]);
    }
    for (int r = 0; r < R; ++r) {
        float s = horizontalSum(_mm256_add_ps(a0[r], a1[r]));
        for (int64_t t = k8; t < K; ++t)
            s += toFloat<W>(row[t]) * x[(m0 + r) * K + t];
        y[(m0 + r) * N + n] = s;
    }
}

template <Weights W>
void range(const float* x, const void* weights, int64_t M, int64_t K, int64_t N, int64_t n0, int64_t n1, float* y)
{
    const auto* w = static_cast<const Element<W>*>(weights);
    for (int64_t n = n0; n < n1; ++n) {
        const Element<W>* row = w + n * K;
        int64_t m = 0;
        for (; m + 4 <= M; m += 4)
            block<W, 4>(x, row, K, N, n, m, y);
        switch (M - m) {
        case 3: block<W, 3>(x, row, K, N, n, m, y); break;
        case 2: block<W, 2>(x, row, K, N, n, m, y); break;
        case 1: block<W, 1>(x, row, K, N, n, m, y); break;
        default: break;
        }
    }
}

} // namespace

void decodeGemvAvx2Range(const float* x, const void* w, int weightBytes, bool bf16, int64_t M, int64_t K, int64_t N,
                         int64_t nBegin, int64_t nEnd, float* y)
{
    if (weightBytes == 4)
        range<Weights::Fp32>(x, w, M, K, N, nBegin, nEnd, y);
    else if (bf16)
        range<Weights::Bf16>(x, w, M, K, N, nBegin, nEnd, y);
    else
        range<Weights::Fp16>(x, w, M, K, N, nBegin, nEnd, y);
}

} // namespace awb::detail
