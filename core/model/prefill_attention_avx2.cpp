// The AVX2+FMA product of core/model/prefill_attention.cpp. Compiled alone with -mavx2 -mfma
// (core/CMakeLists.txt) and including nothing but the intrinsics, so no AVX2 copy of a shared inline
// function can reach a CPU without AVX2 before the run-time check.
#include <immintrin.h>

#include <cstdint>

namespace awb::detail {

namespace {

// C[R x 16] = A[R x K] B[K x 16]: 2R accumulators in registers, each a chain of FMAs over k in order,
// fed by one broadcast of A and two loads of B per row and k (a GEMM micro-kernel with no packing:
// both operands are already laid out for it).
template <int R>
void tile(const float* a, int64_t lda, const float* b, int64_t ldb, int64_t K, float* c, int64_t ldc)
{
    __m256 lo[R], hi[R];
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r)
        lo[r] = hi[r] = _mm256_setzero_ps();
    for (int64_t k = 0; k < K; ++k) {
        const __m256 b0 = _mm256_loadu_ps(b + k * ldb), b1 = _mm256_loadu_ps(b + k * ldb + 8);
#pragma GCC unroll 6
        for (int r = 0; r < R; ++r) {
            const __m256 x = _mm256_broadcast_ss(a + r * lda + k);
            lo[r] = _mm256_fmadd_ps(x, b0, lo[r]);
            hi[r] = _mm256_fmadd_ps(x, b1, hi[r]);
        }
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
        _mm256_storeu_ps(c + r * ldc, lo[r]);
        _mm256_storeu_ps(c + r * ldc + 8, hi[r]);
    }
}

} // namespace

// C[rows x 16 blocks] = A[rows x K] B[K x 16 blocks], rows <= 6, all row-major with the given strides.
void attentionProductAvx2(const float* a, int64_t lda, int64_t rows, const float* b, int64_t ldb, int64_t K, int64_t blocks,
                          float* c, int64_t ldc)
{
    for (int64_t j = 0; j < blocks; ++j) {
        const float* bj = b + 16 * j;
        float* cj = c + 16 * j;
        switch (rows) {
        case 1: tile<1>(a, lda, bj, ldb, K, cj, ldc); break;
        case 2: tile<2>(a, lda, bj, ldb, K, cj, ldc); break;
        case 3: tile<3>(a, lda, bj, ldb, K, cj, ldc); break;
        case 4: tile<4>(a, lda, bj, ldb, K, cj, ldc); break;
        case 5: tile<5>(a, lda, bj, ldb, K, cj, ldc); break;
        default: tile<6>(a, lda, bj, ldb, K, cj, ldc); break;
        }
    }
}

} // namespace awb::detail
