// The AVX2+FMA+F16C inner loop of core/awqformat/int4_gemv_cpu.cpp. This file alone is compiled with
// -mavx2 -mfma -mf16c (core/CMakeLists.txt), and it deliberately instantiates no std:: templates
// and includes no library headers besides the intrinsics: an inline function compiled here with
// AVX2 could otherwise be the copy the linker keeps for the whole program and crash CPUs without
// AVX2 before the run-time check in int4_gemv_cpu.cpp is ever reached.
#include <immintrin.h>

#include <cstdint>

namespace awb::detail {

namespace {

// 8x8 float transpose: out[c] lane r = in[r] lane c.
inline void transpose8(__m256 r[8])
{
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

constexpr int kOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};
constexpr int kReverse[8] = {0, 4, 1, 5, 2, 6, 3, 7};

struct Args {
    const float* x;      // [M][K]
    const float* xSums;  // [M][groups]: sum of x over each group, to apply zeros once per group
    const int32_t* qweight; // word w of row k at qweight[(w / 8) * tileStride + w % 8 + k * rowStride]
    const int32_t* qzeros;
    const uint16_t* scales;
    int64_t K, N, group;
    int64_t rowStride, tileStride;
    bool tiles; // Int4Words::Tiles: walk block by block (each a sequential stream), not group by group
    float* work; // [blocks in range][M][8 nibbles][8 lanes], zeroed here
    float* y;
};

// Blocks of up to 8 packed words (64 columns) from wordBegin; the last one may be partial.
inline int64_t blocksIn(int64_t wordBegin, int64_t wordEnd) { return (wordEnd - wordBegin + 7) / 8; }

// Layout trick: one 256-bit load of a qweight row covers 8 words = 64 output columns. Masking the
// whole vector with 0xf << 4i gives, in lane c, nibble i of word c (column 8c + kOrder[i]) times
// 16^i: eight "nibble planes". The GEMV accumulates sum_k x*code*16^i per plane for one group, then
// applies scale*(acc/16^i - zero*sum_k x) once per group. Scaling by a power of two is exact in
// floating point, so this rounds exactly as sum_k x*code would, and the hot loop is and, convert,
// FMA per 8 MACs; the top plane, whose mask would make the int32 negative, is a shift instead.
// Scales are transposed into the plane layout once per (group, block); zeros are packed the same way
// as the weights, so their planes come out of a shift-and-mask once per group.
template <int M>
void runRange(const Args& a, int64_t wordBegin, int64_t wordEnd)
{
    // Nibble planes per pass, so that planes x rows accumulators fit the 16 ymm registers.
    constexpr int P = M == 1 ? 8 : M == 2 ? 4 : M <= 4 ? 2 : 1;
    const int64_t words = a.N / 8;
    const int64_t groups = a.K / a.group;
    const int64_t blocks = blocksIn(wordBegin, wordEnd);
    const __m256i nibbleMask = _mm256_set1_epi32(0xf);
    float* work = a.work;
    for (int64_t i = 0; i < blocks * M * 64; ++i)
        work[i] = 0.0f;

    // Each output's per-group terms are added to it in group order either way.
    for (int64_t outer = 0; outer < (a.tiles ? blocks : groups); ++outer) {
        for (int64_t inner = 0; inner < (a.tiles ? groups : blocks); ++inner) {
            const int64_t g = a.tiles ? inner : outer, b = a.tiles ? outer : inner;
            const int64_t k0 = g * a.group;
            const int64_t w0 = wordBegin + 8 * b;
            const int live = int(wordEnd - w0 < 8 ? wordEnd - w0 : 8); // words in this block
            const __m256i liveMask =
                _mm256_cmpgt_epi32(_mm256_set1_epi32(live), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            float* acc = work + b * M * 64;

            // Scales of this group for the block, transposed into planes: sc[l] lane c = column 8c + l.
            __m256 sc[8];
            const uint16_t* srow = a.scales + g * a.N + 8 * w0;
            for (int c = 0; c < 8; ++c)
                sc[c] = c < live ? _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(srow + 8 * c)))
                                 : _mm256_setzero_ps();
            transpose8(sc);
            const __m256i zw = _mm256_maskload_epi32(a.qzeros + g * words + w0, liveMask);

            const int32_t* qbase = a.qweight + (w0 / 8) * a.tileStride + w0 % 8 + k0 * a.rowStride;
            // In the stored layout, software prefetch two blocks ahead (the next cache line of each
            // row), wrapping to the first blocks of the next group: for big N consecutive rows are
            // pages apart, where the hardware prefetcher gives up. Tiles are one stream, which the
            // hardware prefetcher follows (a software prefetch there measured no better).
            const int32_t* prefetch = nullptr;
            if (!a.tiles && b + 2 < blocks)
                prefetch = qbase + 16;
            else if (!a.tiles && g + 1 < groups && b + 2 - blocks < blocks)
                prefetch = a.qweight + (k0 + a.group) * words + wordBegin + 8 * (b + 2 - blocks);
            // Everything below is unrolled, so that planes and masks are constants and the P x M
            // accumulators live in registers: with the correction loop rolled, GCC kept them in a
            // stack array and stored all of them on every k (measured with bench_int4_cpu).
#pragma GCC unroll 8
            for (int p0 = 0; p0 < 8; p0 += P) {
                __m256 s[P][M];
#pragma GCC unroll 8
                for (int p = 0; p < P; ++p)
#pragma GCC unroll 8
                    for (int m = 0; m < M; ++m)
                        s[p][m] = _mm256_setzero_ps();
                const int32_t* q = qbase;
                for (int64_t k = 0; k < a.group; ++k, q += a.rowStride) {
                    if (p0 == 0 && prefetch)
                        _mm_prefetch(reinterpret_cast<const char*>(prefetch + k * words), _MM_HINT_T0);
                    const __m256i v = live == 8 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q))
                                                : _mm256_maskload_epi32(q, liveMask);
                    // Unrolled (the build's -O2 does not): the P x M accumulators then stay in
                    // registers and the shifts take immediates; rolled, every FMA went through the
                    // stack (2x slower, measured with bench_int4_cpu).
                    __m256 xk[M];
#pragma GCC unroll 8
                    for (int m = 0; m < M; ++m)
                        xk[m] = _mm256_broadcast_ss(a.x + m * a.K + k0 + k);
#pragma GCC unroll 8
                    for (int p = 0; p < P; ++p) {
                        const int plane = p0 + p;
                        const __m256 code = _mm256_cvtepi32_ps(
                            plane == 7 ? _mm256_srli_epi32(v, 28)
                                       : _mm256_and_si256(v, _mm256_set1_epi32(0xf << (4 * plane))));
#pragma GCC unroll 8
                        for (int m = 0; m < M; ++m)
                            s[p][m] = _mm256_fmadd_ps(xk[m], code, s[p][m]);
                    }
                }
#pragma GCC unroll 8
                for (int p = 0; p < P; ++p) {
                    const int plane = p0 + p;
                    const __m256 zero =
                        _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srli_epi32(zw, 4 * plane), nibbleMask));
                    const __m256 scale = sc[kOrder[plane]];
                    const __m256 unscale = _mm256_set1_ps(plane == 7 ? 1.0f : 1.0f / float(1 << (4 * plane)));
#pragma GCC unroll 8
                    for (int m = 0; m < M; ++m) {
                        const __m256 xs = _mm256_set1_ps(a.xSums[m * groups + g]);
                        const __m256 corrected = _mm256_fnmadd_ps(zero, xs, _mm256_mul_ps(s[p][m], unscale));
                        float* dst = acc + (m * 8 + plane) * 8;
                        _mm256_storeu_ps(dst, _mm256_fmadd_ps(scale, corrected, _mm256_loadu_ps(dst)));
                    }
                }
            }
        }
    }

    // Planes back to natural column order: row l of the transpose input is plane kReverse[l].
    for (int64_t b = 0; b < blocks; ++b) {
        const int64_t w0 = wordBegin + 8 * b;
        const int live = int(wordEnd - w0 < 8 ? wordEnd - w0 : 8);
        const float* acc = work + b * M * 64;
        for (int m = 0; m < M; ++m) {
            __m256 r[8];
            for (int l = 0; l < 8; ++l)
                r[l] = _mm256_loadu_ps(acc + (m * 8 + kReverse[l]) * 8);
            transpose8(r);
            float* yrow = a.y + m * a.N + 8 * w0;
            for (int c = 0; c < live; ++c)
                _mm256_storeu_ps(yrow + 8 * c, r[c]);
        }
    }
}

} // namespace

// Called by int4GemvCpuMany for the packed words [wordBegin, wordEnd) (columns 8 * wordBegin ..),
// in blocks of 8 words (64 columns); work holds (wordEnd - wordBegin + 7) / 8 * M * 64 floats.
// tiles: qweight in Int4Words::Tiles (wordBegin then a multiple of 8), else AutoAWQ's [K, N/8].
void int4GemvAvx2Range(const float* x, const float* xSums, const int32_t* qweight, bool tiles, const int32_t* qzeros,
                       const uint16_t* scales, int64_t M, int64_t K, int64_t N, int64_t group, int64_t wordBegin,
                       int64_t wordEnd, float* work, float* y)
{
    const Args a{x, xSums, qweight, qzeros, scales, K, N, group, tiles ? 8 : N / 8, tiles ? 8 * K : 8, tiles, work, y};
    switch (M) {
    case 1: runRange<1>(a, wordBegin, wordEnd); break;
    case 2: runRange<2>(a, wordBegin, wordEnd); break;
    case 3: runRange<3>(a, wordBegin, wordEnd); break;
    case 4: runRange<4>(a, wordBegin, wordEnd); break;
    case 5: runRange<5>(a, wordBegin, wordEnd); break;
    case 6: runRange<6>(a, wordBegin, wordEnd); break;
    case 7: runRange<7>(a, wordBegin, wordEnd); break;
    case 8: runRange<8>(a, wordBegin, wordEnd); break;
    default: break;
    }
}

} // namespace awb::detail
