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

// One weight row as stored. load8(k): weights k .. k + 7 as floats; at(k): weight k. bf16 is the top
// half of an fp32: widen and shift; fp16 goes through F16C's converter. Both are exact.
template <Weights W>
struct StoredRow {
    static constexpr int kBytes = sizeof(Element<W>);
    const Element<W>* p;

    const void* address(int64_t k) const { return p + k; }
    __m256 load8(int64_t k) const
    {
        if constexpr (W == Weights::Fp32) {
            return _mm256_loadu_ps(p + k);
        } else {
            const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k));
            if constexpr (W == Weights::Bf16)
                return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
            else
                return _mm256_cvtph_ps(h);
        }
    }
    float at(int64_t k) const
    {
        if constexpr (W == Weights::Fp32) {
            return p[k];
        } else if constexpr (W == Weights::Bf16) {
            const uint32_t bits = static_cast<uint32_t>(p[k]) << 16;
            float f;
            __builtin_memcpy(&f, &bits, sizeof f);
            return f;
        } else {
            return _cvtsh_ss(p[k]);
        }
    }
};

// A row of int8 codes and its group scales: code x scale, one fp32 product, is the pseudo-quantized
// weight bit for bit. Groups are a power of two of at least 8 weights (or the whole row), so 8
// weights share one scale.
struct CodeRow {
    static constexpr int kBytes = 1;
    const int8_t* codes;
    const float* scales;
    int groupShift;

    const void* address(int64_t k) const { return codes + k; }
    __m256 load8(int64_t k) const
    {
        const __m128i c = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(codes + k));
        return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(c)), _mm256_set1_ps(scales[k >> groupShift]));
    }
    float at(int64_t k) const { return static_cast<float>(codes[k]) * scales[k >> groupShift]; }
};

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

template <typename Row, int R>
void block(const float* x, const Row& row, int64_t K, int64_t N, int64_t n, int64_t m0, float* y)
{
    __m256 a0[R], a1[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
        a0[r] = a1[r] = _mm256_setzero_ps();
    const int64_t k16 = K & ~int64_t(15), k8 = K & ~int64_t(7);
    int64_t k = 0;
    for (; k < k16; k += 16) {
        if ((k * Row::kBytes) % 64 == 0) // once a cache line
            _mm_prefetch(static_cast<const char*>(row.address(k)) + kPrefetchBytes, _MM_HINT_T0);
        const __m256 w0 = row.load8(k), w1 = row.load8(k + 8);
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) {
            a0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + (m0 + r) * K + k), a0[r]);
            a1[r] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + (m0 + r) * K + k + 8), a1[r]);
        }
    }
    if (k < k8) {
        const __m256 w0 = row.load8(k);
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r)
            a0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + (m0 + r) * K + k), a0[r]);
    }
    for (int r = 0; r < R; ++r) {
        float s = horizontalSum(_mm256_add_ps(a0[r], a1[r]));
        for (int64_t t = k8; t < K; ++t)
            s += row.at(t) * x[(m0 + r) * K + t];
        y[(m0 + r) * N + n] = s;
    }
}

template <typename Row>
void rows(const float* x, const Row& row, int64_t M, int64_t K, int64_t N, int64_t n, float* y)
{
    int64_t m = 0;
    for (; m + 4 <= M; m += 4)
        block<Row, 4>(x, row, K, N, n, m, y);
    switch (M - m) {
    case 3: block<Row, 3>(x, row, K, N, n, m, y); break;
    case 2: block<Row, 2>(x, row, K, N, n, m, y); break;
    case 1: block<Row, 1>(x, row, K, N, n, m, y); break;
    default: break;
    }
}

template <Weights W>
void range(const float* x, const void* weights, int64_t M, int64_t K, int64_t N, int64_t n0, int64_t n1, float* y)
{
    const auto* w = static_cast<const Element<W>*>(weights);
    for (int64_t n = n0; n < n1; ++n)
        rows(x, StoredRow<W>{w + n * K}, M, K, N, n, y);
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

void decodeGemvCodesAvx2Range(const float* x, const int8_t* codes, const float* scales, int64_t groups, int groupShift, int64_t M,
                              int64_t K, int64_t N, int64_t nBegin, int64_t nEnd, float* y)
{
    for (int64_t n = nBegin; n < nEnd; ++n)
        rows(x, CodeRow{codes + n * K, scales + n * groups, groupShift}, M, K, N, n, y);
}

} // namespace awb::detail
