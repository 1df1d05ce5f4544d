#pragma once
// The LLaMA forward pass in fp32 on libtorch tensors, split into the pieces AWQ needs to run
// (norm, attention, MLP, whole block). All functions are pure: they read weights and return new
// tensors, so they may run on any thread; inputs are [batch, time, features] fp32.
#include "core/model/model.h"

#include <ATen/Tensor.h>
#include <vector>

namespace awb {

// The weight as fp32 (no copy when it already is); bf16/fp16 weights are upcast here, per block.
at::Tensor asFloat(const at::Tensor& t);
BlockWeights blockAsFloat(const BlockWeights& b);
// The model with fp32 block weights, final norm and LM head; a shallow copy when they already are.
// Decoding runs one forward per token over the same weights: a bf16/fp16 model is upcast once per
// generation here instead of once per token inside forward (540 MB of conversion per token at 135M).
Model withFloatWeights(const Model& model);
// A block's weights for an input of `rows` tokens: as stored for a decode step of a few rows, which
// reads them directly (applyLinear), else blockAsFloat, since BLAS's fp32 GEMM is then the faster path.
BlockWeights blockWeightsFor(const BlockWeights& b, int64_t rows);
// The weights to decode `rows` sequences at a time with: the model itself when a step can read its
// bf16/fp16 weights directly (core/model/decode_gemv.h: half the bytes per token of an fp32 copy),
// else withFloatWeights.
Model decodeWeights(const Model& model, int64_t rows);

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);
// x . weight^T (+ bias) in fp32. For a few rows of x (a decode step) the weight is read as stored
// (core/model/decode_gemv.h); otherwise BLAS multiplies, a bf16/fp16 weight upcast first.
at::Tensor applyLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias = {});
// x . W^T (+ bias) for the linear `name` ("q_proj"...) of a block: a packed int4 one
// (BlockWeights::packed) through int4Linears, the int4 GEMV for a decode step; a decode step of one
// with codes (BlockWeights::codes) through decodeGemvCodes; any other through applyLinear.
at::Tensor blockLinear(const BlockWeights& w, const std::string& name, const at::Tensor& x, const at::Tensor& bias = {});
// blockLinear of several linears on the same x (q/k/v; gate/up), with their biases (undefined or
// missing: none). When all are packed int4 they go through one int4Linears: a decode step then
// makes one pass over the thread pool for all of them.
std::vector<at::Tensor> blockLinears(const BlockWeights& w, const std::vector<std::string>& names, const at::Tensor& x,
                                     const std::vector<at::Tensor>& biases = {});

// cos/sin tables for positions [0, maxLen), computed in fp32 like llama2.c and Meta's reference.
class RopeTable {
public:
    RopeTable(const ModelConfig& config, int64_t maxLen);
    // x: [B, heads, T, headDim] at positions startPos..startPos+T-1, or with rowStart (one per row
    // of x, a left-padded batch: KvCache::rowStart) at startPos - rowStart[b] .. for row b, so each
    // row is rotated as it would be alone (its padding at position 0).
    at::Tensor apply(const at::Tensor& x, int64_t startPos, const std::vector<int64_t>& rowStart = {}) const;
    // One head of one position, as apply() computes it (the same products, sums and rounding), from
    // x[headDim] into out[headDim] (out may not alias x): a decode step's q and k without ATen's
    // per-op overhead.
    void rotate(const float* x, int64_t headDim, int64_t pos, float* out) const;
    // Throws ArgumentError when positions up to `end` (exclusive) are past the table.
    void requireLength(int64_t end) const;
    // The position of column `column` of row b of a left-padded batch (rowStart as in apply(); empty:
    // no padding): counted from the row's first real column, its padding at 0.
    static int64_t rowPosition(int64_t column, const std::vector<int64_t>& rowStart, int64_t b);
    int64_t maxLen() const { return m_maxLen; }

private:
    RopeStyle m_style;
    int64_t m_maxLen;
    at::Tensor m_cos, m_sin; // [maxLen, headDim/2]
};

// Keys and values of earlier positions, per layer: [B, nKvHeads, capacity - prefixLength, headDim],
// positions prefixLength, prefixLength + 1, ... of each row (all of them when there is no prefix).
struct KvCache {
    KvCache(const ModelConfig& config, int64_t batch, int64_t capacity);
    std::vector<at::Tensor> keys, values;
    int64_t length = 0; // positions already stored, the prefix included
    int64_t capacity = 0;
    // Rows of a batch of prompts of unequal length are left-padded to one length so they can share
    // this cache; real tokens never attend to padding, and each row's positions for RoPE start at
    // its first real column, so a row computes what it would alone. rowStart: each row's first real
    // column; empty (the default) means no padding. Set with setLeftPadding.
    std::vector<int64_t> rowStart;
    // A shared prefix (sharePrefix): positions [0, prefixLength) of row b are those of prefix row
    // b / rowsPerPrefix, stored once, e.g. a prompt sampled with several seeds. Such a cache takes
    // decode steps only (one position per row; core/model/decode_attention.h).
    std::vector<at::Tensor> prefixKeys, prefixValues; // [B / rowsPerPrefix, nKvHeads, prefixLength, headDim]
    int64_t prefixLength = 0, rowsPerPrefix = 1;

    // Marks the first pads[b] positions of row b as padding.
    void setLeftPadding(const std::vector<int64_t>& pads);
    // Makes the `length` positions stored so far the shared prefix of `rows` rows per current row
    // (row b becomes rows b * rows ... b * rows + rows - 1), each with room for `more` positions.
    void sharePrefix(int64_t rows, int64_t more);
    // Columns [first, capacity) of row b as an empty cache of one unpadded row, in this cache's
    // storage: a prompt prefilled alone into its place in a left-padded batch (first = its padding).
    KvCache rowView(int64_t b, int64_t first) const;

private:
    KvCache() = default;
};

// Attention of projected q [B,T,qDim], k, v [B,T,kvDim] (RoPE applied here) -> context [B,T,qDim],
// at positions from 0, or with a cache from cache->length: k/v are stored in layer `layer` of the
// cache and attention covers all its positions.
at::Tensor attentionContext(const ModelConfig& config, const RopeTable& rope, const at::Tensor& q, const at::Tensor& k,
                            const at::Tensor& v, KvCache* cache = nullptr, size_t layer = 0);
// Self-attention of an already normalised input, o_proj applied -> [B,T,dim].
at::Tensor selfAttention(const ModelConfig& config, const RopeTable& rope, const BlockWeights& w, const at::Tensor& xNormed,
                         KvCache* cache = nullptr, size_t layer = 0);
// SwiGLU MLP of an already normalised input: down(silu(gate x) * up x); mlpHidden is the part
// before down_proj, silu(gate x) * up x (down_proj's input).
at::Tensor feedForward(const BlockWeights& w, const at::Tensor& xNormed);
at::Tensor mlpHidden(const BlockWeights& w, const at::Tensor& xNormed);
// One decoder block (fp32 weights, see blockAsFloat; or bf16/fp16 ones for a decode step).
at::Tensor blockForward(const ModelConfig& config, const RopeTable& rope, const BlockWeights& w, const at::Tensor& x,
                        KvCache* cache = nullptr, size_t layer = 0);

at::Tensor embedTokens(const Model& model, const at::Tensor& tokens); // [B,T] int64 -> [B,T,dim] fp32
at::Tensor outputHidden(const Model& model, const at::Tensor& h);     // final RMSNorm
at::Tensor outputLogits(const Model& model, const at::Tensor& h);     // final norm + lm_head -> [B,T,V]

// Whole model: tokens [B,T] -> logits [B,T,V] fp32. With a cache, continues from cache->length.
at::Tensor forward(const Model& model, const RopeTable& rope, const at::Tensor& tokens, KvCache* cache = nullptr);
// The same pass without lm_head: final-norm hidden states [B,T,dim] fp32 (what the drift metrics
// pool into embeddings; forward() is lm_head applied to exactly this).
at::Tensor forwardHidden(const Model& model, const RopeTable& rope, const at::Tensor& tokens, KvCache* cache = nullptr);

} // namespace awb
