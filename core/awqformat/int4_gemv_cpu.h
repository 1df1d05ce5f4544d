#pragma once
// Decode-time int4 GEMV on the CPU for the AutoAWQ GEMM layout (see core/awqformat/int4_reference.h):
// y [M][N] fp32 = x [M][K] fp32 . W^T for M = 1..8, reading the packed qweight directly (no
// dequantized copy). Uses AVX2+FMA+F16C when the CPU has them (checked at run time), otherwise a
// scalar loop; either way the work is split over output columns on libtorch's intra-op thread pool
// (at::parallel_for), so at::set_num_threads() governs it. Any thread may call it; pointers are
// caller-owned and dense row-major; y is overwritten. Throws ShapeError for shapes the layout cannot
// hold or M outside 1..kInt4GemvMaxRows.
#include <cstdint>
#include <vector>

namespace awb {

inline constexpr int64_t kInt4GemvMaxRows = 8;

enum class Int4GemvPath { Auto, Avx2, Scalar };

// True when this CPU runs the AVX2 path (avx2, fma and f16c all present).
bool int4GemvCpuHasAvx2();

void int4GemvCpu(const float* x, const int32_t* qweight, const int32_t* qzeros, const uint16_t* scales,
                 int64_t M, int64_t K, int64_t N, int64_t G, float* y, Int4GemvPath path = Int4GemvPath::Auto);

// How a weight's packed words lie in memory. AutoAwq: the checkpoint's qweight [K, N/8]. Tiles: the
// decode layout of PackedInt4Linear (core/awqformat/packed_int4_linear.h), [ceil(N/64), K, 8]. The
// GEMV walks tiles one after the other, so each thread's columns are one sequential stream; in
// AutoAwq order it reads 32 bytes of every row a block and walks the groups first, which keeps the
// big matrices' rows (pages apart) few at a time. Either way every output sums the same products in
// the same order: the two give the same y bit for bit.
enum class Int4Words { AutoAwq, Tiles };

// Where word w of row k of a [K, N/8] qweight lies in its Tiles layout (the AVX2 kernel, which shares
// no inline code, addresses tiles by strides: 8 words a row, 8K a tile).
inline int64_t tiledWordIndex(int64_t K, int64_t k, int64_t w) { return ((w / 8) * K + k) * 8 + w % 8; }

// One packed weight [K, N] of int4GemvCpuMany (group size G) and where its y [M][N] goes.
struct Int4GemvOperand {
    const int32_t* qweight;
    const int32_t* qzeros;
    const uint16_t* scales;
    int64_t N, G;
    float* y;
    Int4Words words = Int4Words::AutoAwq;
};

// int4GemvCpu of one x against several weights of the same K (a block's q/k/v, its gate/up) in one
// fork-join of the thread pool, the columns of all of them split evenly between the threads. Why: at
// the 135M shape a decode step's GEMVs are a few microseconds each; one pool pass per weight idled a
// thread on every narrow k/v projection (3 blocks of 64 columns) and paid a barrier per weight.
// Each y is bit for bit what int4GemvCpu writes.
void int4GemvCpuMany(const float* x, int64_t M, int64_t K, const std::vector<Int4GemvOperand>& weights,
                     Int4GemvPath path = Int4GemvPath::Auto);

} // namespace awb
