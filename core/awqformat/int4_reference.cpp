#include "core/awqformat/int4_reference.h"

#include "core/base/half.h"

#include <string>
#include <vector>

namespace awb {

int64_t awqGroupSize(int64_t K, int64_t N, int64_t G)
{
    if (K <= 0 || N <= 0)
        throw ShapeError("AWQ int4 layout: K=" + std::to_string(K) + " and N=" + std::to_string(N) +
                         " must be positive");
    if (N % 8 != 0)
        throw ShapeError("AWQ int4 layout: out_features N=" + std::to_string(N) +
                         " is not a multiple of 8 (eight 4-bit codes share one int32)");
    const int64_t group = G == -1 ? K : G;
    if (group <= 0 || K % group != 0)
        throw ShapeError("AWQ int4 layout: in_features K=" + std::to_string(K) +
                         " is not a multiple of the group size " + std::to_string(G));
    return group;
}

namespace {
// Packs rows of a [N][cols] code matrix into [cols][N/8] words (shared by weights and zeros).
void packColumns(const uint8_t* src, int64_t N, int64_t cols, int32_t* dst)
{
    const int64_t words = N / 8;
    for (int64_t r = 0; r < cols; ++r) {
        for (int64_t j = 0; j < words; ++j) {
            uint32_t word = 0;
            for (int i = 0; i < 8; ++i) {
                const int64_t n = 8 * j + kAwqOrder[i];
                word |= uint32_t(src[n * cols + r] & 0xfu) << (4 * i);
            }
            dst[r * words + j] = int32_t(word);
        }
    }
}

void unpackColumns(const int32_t* src, int64_t cols, int64_t N, uint8_t* dst)
{
    const int64_t words = N / 8;
    for (int64_t r = 0; r < cols; ++r) {
        for (int64_t j = 0; j < words; ++j) {
            const uint32_t word = uint32_t(src[r * words + j]);
            for (int i = 0; i < 8; ++i)
                dst[(8 * j + kAwqOrder[i]) * cols + r] = uint8_t((word >> (4 * i)) & 0xfu);
        }
    }
}
} // namespace

void packAwqWeight(const uint8_t* codes, int64_t N, int64_t K, int32_t* qweight)
{
    awqGroupSize(K, N, -1);
    packColumns(codes, N, K, qweight);
}

void packAwqZeros(const uint8_t* zeros, int64_t N, int64_t groups, int32_t* qzeros)
{
    awqGroupSize(groups, N, -1);
    packColumns(zeros, N, groups, qzeros);
}

void unpackAwqWeight(const int32_t* qweight, int64_t K, int64_t N, uint8_t* codes)
{
    awqGroupSize(K, N, -1);
    unpackColumns(qweight, K, N, codes);
}

void unpackAwqZeros(const int32_t* qzeros, int64_t groups, int64_t N, uint8_t* zeros)
{
    awqGroupSize(groups, N, -1);
    unpackColumns(qzeros, groups, N, zeros);
}

namespace {
// One output column of W as fp32 over all K: the unit both dequantize and the GEMM reference use.
void dequantizeColumn(const int32_t* qweight, const int32_t* qzeros, const uint16_t* scales, int64_t K,
                      int64_t N, int64_t group, int64_t n, float* w)
{
    for (int64_t g = 0; g < K / group; ++g) {
        const float scale = halfToFloat(scales[g * N + n]);
        const int zero = awqCode(qzeros, N, g, n);
        for (int64_t k = g * group; k < (g + 1) * group; ++k)
            w[k] = float(awqCode(qweight, N, k, n) - zero) * scale;
    }
}
} // namespace

void dequantizeAwqGemm(const int32_t* qweight, const int32_t* qzeros, const uint16_t* scales, int64_t K,
                       int64_t N, int64_t G, float* w)
{
    const int64_t group = awqGroupSize(K, N, G);
    for (int64_t n = 0; n < N; ++n)
        dequantizeColumn(qweight, qzeros, scales, K, N, group, n, w + n * K);
}

void int4GemmReference(const float* x, const int32_t* qweight, const int32_t* qzeros, const uint16_t* scales,
                       int64_t M, int64_t K, int64_t N, int64_t G, float* y)
{
    const int64_t group = awqGroupSize(K, N, G);
    std::vector<float> column(static_cast<size_t>(K));
    for (int64_t n = 0; n < N; ++n) {
        dequantizeColumn(qweight, qzeros, scales, K, N, group, n, column.data());
        for (int64_t m = 0; m < M; ++m) {
            // Eight interleaved fp32 partial sums: still fp32 accumulation, but the compiler can
            // vectorise it, which keeps the 11008x4096 reference checks affordable.
            float partial[8] = {};
            const float* xr = x + m * K;
            int64_t k = 0;
            for (; k + 8 <= K; k += 8)
                for (int l = 0; l < 8; ++l)
                    partial[l] += xr[k + l] * column[size_t(k + l)];
            float sum = ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
                        ((partial[4] + partial[5]) + (partial[6] + partial[7]));
            for (; k < K; ++k)
                sum += xr[k] * column[size_t(k)];
            y[m * N + n] = sum;
        }
    }
}

void int4GemmReference(const uint16_t* x, const int32_t* qweight, const int32_t* qzeros,
                       const uint16_t* scales, int64_t M, int64_t K, int64_t N, int64_t G, float* y)
{
    awqGroupSize(K, N, G);
    std::vector<float> xf(static_cast<size_t>(M * K));
    for (size_t i = 0; i < xf.size(); ++i)
        xf[i] = halfToFloat(x[i]);
    int4GemmReference(xf.data(), qweight, qzeros, scales, M, K, N, G, y);
}

} // namespace awb
