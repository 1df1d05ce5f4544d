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

// One weight row at a time, read front to back, so each thread streams its rows as one sequential
// run that the hardware prefetcher follows (four interleaved rows, tried first, were four short
// streams and reached a quarter of this machine's DRAM bandwidth). Four accumulators hide the FMA
// latency; for several x rows the weight row is read again from L1.
constexpr int64_t kPrefetchBytes = 1024; // ahead of the row being read, also into the next row

template <Weights W>
void range(const float* x, const void* weights, int64_t M, int64_t K, int64_t N, int64_t n0, int64_t n1, float* y)
{
    const int64_t k32 = K & ~int64_t(31), k8 = K & ~int64_t(7);
    const auto* w = static_cast<const Element<W>*>(weights);
    for (int64_t n = n0; n < n1; ++n) {
        const Element<W>* r = w + n * K;
        for (int64_t m = 0; m < M; ++m) {
            const float* xm = x + m * K;
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
            int64_t k = 0;
            for (; k < k32; k += 32) {
                _mm_prefetch(reinterpret_cast<const char*>(r + k) + kPrefetchBytes, _MM_HINT_T0);
                if constexpr (W == Weights::Fp32) // 32 floats are two cache lines
                    _mm_prefetch(reinterpret_cast<const char*>(r + k) + kPrefetchBytes + 64, _MM_HINT_T0);
                a0 = _mm256_fmadd_ps(load8<W>(r + k), _mm256_loadu_ps(xm + k), a0);
                a1 = _mm256_fmadd_ps(load8<W>(r + k + 8), _mm256_loadu_ps(xm + k + 8), a1);
                a2 = _mm256_fmadd_ps(load8<W>(r + k + 16), _mm256_loadu_ps(xm + k + 16), a2);
                a3 = _mm256_fmadd_ps(load8<W>(r + k + 24), _mm256_loadu_ps(xm + k + 24), a3);
            }
            for (; k < k8; k += 8)
                a0 = _mm256_fmadd_ps(load8<W>(r + k), _mm256_loadu_ps(xm + k), a0);
            float s = horizontalSum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
            for (; k < K; ++k)
                s += toFloat<W>(r[k]) * xm[k];
            y[m * N + n] = s;
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
