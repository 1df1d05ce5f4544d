#pragma once
// Causal attention of a prefill (several new positions per row), with the products written as small
// register-blocked tiles instead of BLAS calls. Why: per 64-row block the ATen path made two batched
// GEMMs whose operands BLAS packed anew (K = 64 or N = 64: packing and the zeroed output were a large
// part of them), a [rows, keys] mask and a softmax over every score; at the 135M shape and 1,024
// positions attention ran at ~40 GFLOP/s against the linears' ~90 on one thread (bench_forward).
// Here each tile of query rows is scored against the keys it sees only (the causal limit and a row's
// left padding bound the key range), soft-maxed and multiplied by the values, with no mask.
#include <ATen/Tensor.h>
#include <cstdint>
#include <vector>

namespace awb {

struct ModelConfig;

// Whether prefillAttention runs here: AVX2+FMA and a head width that is a multiple of 16.
bool prefillAttentionAvailable(int64_t headDim);

// q [B, nHeads, T, headDim] with RoPE applied (unscaled) at positions startPos .. startPos + T - 1;
// keys and values [B, nKvHeads, >= startPos + T, headDim] fp32 with contiguous positions. Query
// position p of row b sees keys [rowStart[b], p] when p >= rowStart[b] (left padding is skipped)
// and [0, p] when p is itself padding; rowStart empty means no padding. Returns [B, T, nHeads * headDim].
at::Tensor prefillAttention(const ModelConfig& config, const at::Tensor& q, const at::Tensor& keys, const at::Tensor& values,
                            int64_t startPos, const std::vector<int64_t>& rowStart);

} // namespace awb
