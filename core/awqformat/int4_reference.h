#pragma once
// CPU reference for AutoAWQ's 4-bit "GEMM" checkpoint layout (WQLinear_GEMM), in plain C++ with no
// libtorch so that kernels/ can compile it into its standalone test. Every GPU kernel in kernels/
// and the AVX2 GEMV in core/awqformat/int4_gemv_cpu.* are checked against these functions.
//
// Layout, for a linear with in_features K, out_features N and group size G (G = -1: one group of K):
//   qweight int32 [K][N/8]   eight 4-bit codes of one input row k, along the output dimension;
//                            nibble i (bits 4i..4i+3) of word j holds output column 8j + kAwqOrder[i]
//   qzeros  int32 [K/G][N/8] the zero points, packed the same way
//   scales  fp16  [K/G][N]
//   w[n][k] = (code(k, n) - zero(k/G, n)) * scale(k/G, n)
// Pointers are caller-owned, row-major and dense; functions are pure, so any thread may call them.
// Shapes the format cannot hold throw awb::ShapeError before anything is written.
#include "core/base/error.h"

#include <cstdint>

namespace awb {

// Source column (within a block of 8) of nibble i, as AutoAWQ's packer orders them ...
inline constexpr int kAwqOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};
// ... and the nibble holding column c; kAwqOrder[kAwqReverseOrder[c]] == c.
inline constexpr int kAwqReverseOrder[8] = {0, 4, 1, 5, 2, 6, 3, 7};

// The group size actually used: G, or K when G == -1. Throws ShapeError when K % G != 0, N % 8 != 0,
// or a dimension is not positive.
int64_t awqGroupSize(int64_t K, int64_t N, int64_t G);

// codes [N][K] uint8 (0..15, as nn.Linear's weight [out, in]) -> qweight [K][N/8].
// Codes above 15 are masked to their low 4 bits (the format has no room for them).
void packAwqWeight(const uint8_t* codes, int64_t N, int64_t K, int32_t* qweight);
// zeros [N][groups] uint8 -> qzeros [groups][N/8]. groups = K / G.
void packAwqZeros(const uint8_t* zeros, int64_t N, int64_t groups, int32_t* qzeros);
// Inverses: qweight [K][N/8] -> codes [N][K]; qzeros [groups][N/8] -> zeros [N][groups].
void unpackAwqWeight(const int32_t* qweight, int64_t K, int64_t N, uint8_t* codes);
void unpackAwqZeros(const int32_t* qzeros, int64_t groups, int64_t N, uint8_t* zeros);

// The 4-bit code of (input row k, output column n) straight from the packed words.
inline int awqCode(const int32_t* packed, int64_t N, int64_t row, int64_t n)
{
    const uint32_t word = uint32_t(packed[row * (N / 8) + n / 8]);
    return int((word >> (4 * kAwqReverseOrder[n % 8])) & 0xfu);
}

// Dequantized fp32 weight w [N][K] (nn.Linear orientation). scales are fp16 bit patterns.
void dequantizeAwqGemm(const int32_t* qweight, const int32_t* qzeros, const uint16_t* scales, int64_t K,
                       int64_t N, int64_t G, float* w);

// y [M][N] = x [M][K] . W^T with W dequantized in fp32 (no fp16 rounding of the weight) and fp32
// accumulation. Reads the packed words directly; never materialises W. The fp16 overload takes x
// as fp16 bit patterns (what the GPU kernels consume) and still writes fp32 y.
void int4GemmReference(const float* x, const int32_t* qweight, const int32_t* qzeros, const uint16_t* scales,
                       int64_t M, int64_t K, int64_t N, int64_t G, float* y);
void int4GemmReference(const uint16_t* x, const int32_t* qweight, const int32_t* qzeros,
                       const uint16_t* scales, int64_t M, int64_t K, int64_t N, int64_t G, float* y);

} // namespace awb
