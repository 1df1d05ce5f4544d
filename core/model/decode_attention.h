#pragma once
// A decode step's attention (one new position per row) read in place from the KV cache. Why: with a
// long prompt, a step of batched sampling spent most of its attention time in BLAS packing each
// cached key and value matrix for a product with 3 query rows (perf at the 135M shape, bench_lambda),
// and the seeds of one prompt each read their own copy of the prompt's cache. Here every key and
// value of a shared prompt prefix (KvCache::sharePrefix) is read once for all the queries that see
// it: every seed's query heads of one kv head at once.
//
// Each query's scores, softmax and weighted sum are computed in the same order whatever the batch,
// the padding or the prefix sharing around it (position by position, from its first real position),
// so a row's result does not depend on the other rows. AVX2+FMA when the CPU has it and the head
// width is a multiple of 8 (checked at run time), else a scalar loop of the same structure. Split
// over (prefix row, kv head) on libtorch's intra-op threads.
#include <ATen/Tensor.h>
#include <cstddef>

namespace awb {

struct KvCache;
struct ModelConfig;

// q [B, nHeads, headDim] fp32 with RoPE applied (unscaled); the step's keys and values already
// stored in `cache` at position length - 1 of layer `layer`. Each row attends to its positions
// [rowStart, length). Returns the context [B, nHeads, headDim].
at::Tensor decodeAttention(const ModelConfig& config, const at::Tensor& q, const KvCache& cache, size_t layer, int64_t length);

} // namespace awb
