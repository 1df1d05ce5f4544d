#pragma once
// libtorch face of the AutoAWQ GEMM int4 layout (facts in core/awqformat/int4_reference.h): packing for the
// exporter, unpacking and dequantization for the importer, and an int4 linear for evaluation.
// All functions take CPU tensors (any strides; they are made contiguous), return new tensors owned
// by the caller, hold no state, and may be called from any thread. Shapes or dtypes the format
// cannot hold throw awb::ShapeError naming the tensor; codes outside 0..15 throw awb::Error.
#include "core/awqformat/packed_int4_linear.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace awb {

// codes [N, K] integer (nn.Linear orientation, values 0..15) -> qweight int32 [K, N/8].
at::Tensor packAwqQweight(const at::Tensor& codes);
// zeros [N, K/G] integer (0..15) -> qzeros int32 [K/G, N/8].
at::Tensor packAwqQzeros(const at::Tensor& zeros);
// qweight int32 [K, N/8] -> codes int32 [N, K].
at::Tensor unpackAwqCodes(const at::Tensor& qweight, int64_t N);
// qzeros int32 [K/G, N/8] -> zeros int32 [N, K/G].
at::Tensor unpackAwqZeros(const at::Tensor& qzeros, int64_t N);

// fp32 weight [N, K] = (code - zero) * scale. scales [K/G, N] should be fp16 (the format's dtype);
// other floating dtypes are rounded to fp16 first so the result matches what a loader would see.
// groupSize -1 means one group spanning K.
at::Tensor dequantizeAwq(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales,
                         int64_t groupSize);
// The same values as W^T [K, N], the packed order: no transposing copy. A prefill of a model kept
// packed multiplies by its .t() view (BLAS takes either orientation).
at::Tensor dequantizeAwqTransposed(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales,
                                   int64_t groupSize);

// Throws ShapeError unless qweight/qzeros/scales are one AutoAWQ GEMM linear of that group size
// (the checks dequantizeAwq and int4Linear make), so a loader can refuse a file before any use.
void checkAwqLinear(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales, int64_t groupSize);

// One AutoAWQ GEMM linear (checked as checkAwqLinear does) kept packed for the int4 GEMV: qweight
// rearranged into tiles (core/awqformat/packed_int4_linear.h), scales as fp16.
PackedInt4Linear packedInt4Linear(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales,
                                  int64_t groupSize);
// qweight int32 [K, N/8] <-> its tiles [ceil(N/64), K, 8] (PackedInt4Linear::qweightTiles).
at::Tensor tileAwqQweight(const at::Tensor& qweight);
at::Tensor untileAwqQweight(const at::Tensor& tiles, int64_t N);
// dequantizeAwqTransposed of a packed linear.
at::Tensor dequantizeAwqTransposed(const PackedInt4Linear& w);

// y [..., N] = x [..., K] . W^T. x is computed in fp32 (other dtypes are converted and the result
// converted back). Up to kInt4GemvMaxRows rows use the packed-weight GEMV (core/awqformat/int4_gemv_cpu.h);
// more rows dequantize once and call at::linear, where BLAS wins.
at::Tensor int4Linear(const at::Tensor& x, const at::Tensor& qweight, const at::Tensor& qzeros,
                      const at::Tensor& scales, int64_t groupSize);
// int4Linear of one x with several packed linears of the same K (a block's q/k/v, its gate/up), in
// that order. Up to kInt4GemvMaxRows rows run all of them in one int4GemvCpuMany (one pass over the
// thread pool); each result equals int4Linear of its checkpoint tensors bit for bit.
std::vector<at::Tensor> int4Linears(const at::Tensor& x, const std::vector<const PackedInt4Linear*>& weights);

// The awb packed-Nbit extension (bits dividing 32): values [rows, N] (0 .. 2^bits-1) <-> int32
// [rows, N*bits/32], value j of a word in bits j*bits.. (natural order, unlike AutoAWQ's 4-bit
// interleave). Shared with the importer; throw ShapeError when N does not fill whole words.
at::Tensor packNbitColumns(const at::Tensor& values, int bits);
at::Tensor unpackNbitColumns(const at::Tensor& packed, int64_t columns, int bits);

} // namespace awb
