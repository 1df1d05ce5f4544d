#include "core/model/transformer.h"

#include "core/awqformat/awq_packing.h"
#include "core/base/error.h"
#include "core/model/decode_attention.h"
#include "core/model/decode_gemv.h"
#include "core/model/prefill_attention.h"
#include "core/model/rope.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cmath>

namespace awb {

at::Tensor asFloat(const at::Tensor& t)
{
    if (!t.defined() || t.scalar_type() == at::kFloat)
        return t;
    return t.to(at::kFloat);
}

BlockWeights blockAsFloat(const BlockWeights& b)
{
    BlockWeights f;
    f.attnNorm = asFloat(b.attnNorm);
    f.wq = asFloat(b.wq);
    f.wk = asFloat(b.wk);
    f.wv = asFloat(b.wv);
    f.wo = asFloat(b.wo);
    f.bq = asFloat(b.bq);
    f.bk = asFloat(b.bk);
    f.bv = asFloat(b.bv);
    f.ffnNorm = asFloat(b.ffnNorm);
    f.wGate = asFloat(b.wGate);
    f.wUp = asFloat(b.wUp);
    f.wDown = asFloat(b.wDown);
    for (const auto& [name, p] : b.packed) // exactly (code - zero) * scale, as the int4 GEMV computes it
        f.linear(name) = dequantizeAwqTransposed(p).t();
    return f;
}

Model withFloatWeights(const Model& model)
{
    Model f = model;
    for (BlockWeights& b : f.blocks)
        b = blockAsFloat(b);
    f.finalNorm = asFloat(model.finalNorm);
    f.lmHead = asFloat(model.lmHead);
    return f;
}

namespace {
// rmsNorm of a few fp32 rows in one plain loop, the weight read as stored. The sum of squares is
// accumulated in double (ATen's float reduction rounds in another order: the two agree to ~1 ulp),
// the rest is ATen's arithmetic: (x * rsqrt(mean + eps)) * weight in fp32.
template <typename W>
at::Tensor rmsNormRows(const at::Tensor& x, const W* w, double eps)
{
    const int64_t dim = x.size(-1), rows = x.numel() / dim;
    at::Tensor out = at::empty_like(x);
    const float* xp = x.data_ptr<float>();
    float* op = out.data_ptr<float>();
    for (int64_t r = 0; r < rows; ++r, xp += dim, op += dim) {
        double squares = 0.0;
        for (int64_t j = 0; j < dim; ++j)
            squares += double(xp[j]) * double(xp[j]);
        const float scale = 1.0f / std::sqrt(float(squares / double(dim)) + float(eps));
        for (int64_t j = 0; j < dim; ++j)
            op[j] = xp[j] * scale * static_cast<float>(w[j]);
    }
    return out;
}
} // namespace

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps)
{
    // A decode step's rows in a loop: ATen's five ops took ~12 us a row at dim 576, two norms a block
    // (~0.7 ms of a 135M decode step, bench_forward's "other").
    if (x.scalar_type() == at::kFloat && x.device().is_cpu() && x.is_contiguous() && x.dim() >= 1 && x.numel() > 0 && x.numel() <= kDecodeGemvMaxRows * x.size(-1) &&
        weight.dim() == 1 && weight.is_contiguous() && weight.size(0) == x.size(-1) && weight.device().is_cpu()) {
        switch (weight.scalar_type()) {
        case at::kFloat: return rmsNormRows(x, weight.data_ptr<float>(), eps);
        case at::kBFloat16: return rmsNormRows(x, weight.data_ptr<at::BFloat16>(), eps);
        case at::kHalf: return rmsNormRows(x, weight.data_ptr<at::Half>(), eps);
        default: break;
        }
    }
    return x * at::rsqrt(x.pow(2).mean(-1, true) + eps) * weight;
}

namespace {
// An input of `rows` tokens reads the weights as stored (a decode step: core/model/decode_gemv.h).
bool readsWeightsAsStored(int64_t rows) { return rows <= kDecodeGemvMaxRows && decodeGemvAvailable(); }
} // namespace

BlockWeights blockWeightsFor(const BlockWeights& b, int64_t rows)
{
    return readsWeightsAsStored(rows) ? b : blockAsFloat(b);
}

Model decodeWeights(const Model& model, int64_t rows)
{
    return readsWeightsAsStored(rows) ? model : withFloatWeights(model);
}

at::Tensor applyLinear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias)
{
    if (decodeGemvApplies(x, weight)) {
        at::Tensor y = decodeGemv(x, weight);
        return bias.defined() ? y.add_(asFloat(bias)) : y;
    }
    return at::linear(x, asFloat(weight), bias.defined() ? c10::optional<at::Tensor>(asFloat(bias)) : c10::nullopt);
}

at::Tensor blockLinear(const BlockWeights& w, const std::string& name, const at::Tensor& x, const at::Tensor& bias)
{
    at::Tensor y;
    const auto packed = w.packed.find(name);
    const auto codes = w.codes.find(name);
    if (packed != w.packed.end()) {
        y = int4Linears(x, {&packed->second}).front();
    } else if (codes != w.codes.end() && codes->second.weight.is_same(w.linear(name)) &&
               decodeGemvCodesApply(x, codes->second.codes, codes->second.scales, codes->second.groupSize)) {
        const QuantCodes& c = codes->second;
        y = decodeGemvCodes(x, c.codes, c.scales, c.groupSize);
    } else {
        return applyLinear(x, w.linear(name), bias);
    }
    return bias.defined() ? y.add_(asFloat(bias)) : y;
}

std::vector<at::Tensor> blockLinears(const BlockWeights& w, const std::vector<std::string>& names, const at::Tensor& x,
                                     const std::vector<at::Tensor>& biases)
{
    std::vector<const PackedInt4Linear*> packed;
    for (const std::string& name : names)
        if (const auto p = w.packed.find(name); p != w.packed.end())
            packed.push_back(&p->second);
    std::vector<at::Tensor> ys;
    if (packed.size() == names.size()) {
        ys = int4Linears(x, packed);
        for (size_t i = 0; i < ys.size(); ++i)
            if (i < biases.size() && biases[i].defined())
                ys[i].add_(asFloat(biases[i]));
        return ys;
    }
    for (size_t i = 0; i < names.size(); ++i)
        ys.push_back(blockLinear(w, names[i], x, i < biases.size() ? biases[i] : at::Tensor()));
    return ys;
}

RopeTable::RopeTable(const ModelConfig& config, int64_t maxLen) : m_style(config.rope), m_maxLen(maxLen)
{
    // inverse frequencies of the config's RoPE variant (core/model/rope.h), positions as fp32, outer
    // product: the same rounding as the references.
    const RopeFrequencies freq = ropeFrequencies(config, maxLen);
    at::Tensor angles = at::outer(at::arange(maxLen, at::kFloat), freq.invFreq);
    m_cos = angles.cos();
    m_sin = angles.sin();
    if (freq.attentionScaling != 1.0) { // yarn scales cos and sin, as transformers does
        m_cos = m_cos * freq.attentionScaling;
        m_sin = m_sin * freq.attentionScaling;
    }
}

at::Tensor RopeTable::apply(const at::Tensor& x, int64_t startPos, const std::vector<int64_t>& rowStart) const
{
    const int64_t T = x.size(2);
    requireLength(startPos + T);
    if (!rowStart.empty() && static_cast<int64_t>(rowStart.size()) != x.size(0))
        throw ShapeError("RoPE: " + std::to_string(rowStart.size()) + " row starts for " + std::to_string(x.size(0)) + " rows");
    at::Tensor cos, sin;
    if (rowStart.empty()) {
        cos = m_cos.slice(0, startPos, startPos + T); // [T, d/2]
        sin = m_sin.slice(0, startPos, startPos + T);
    } else {
        const int64_t B = x.size(0);
        std::vector<int64_t> positions;
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                positions.push_back(rowPosition(startPos + t, rowStart, b));
        const at::Tensor index = at::tensor(positions, at::kLong);
        cos = m_cos.index_select(0, index).view({B, 1, T, -1}); // [B, 1 (heads), T, d/2]
        sin = m_sin.index_select(0, index).view({B, 1, T, -1});
    }
    if (m_style == RopeStyle::AdjacentPairs) {
        at::Tensor pairs = x.unflatten(-1, {-1, 2});
        at::Tensor x0 = pairs.select(-1, 0), x1 = pairs.select(-1, 1);
        return at::stack({x0 * cos - x1 * sin, x0 * sin + x1 * cos}, -1).flatten(-2);
    }
    const int64_t half = x.size(-1) / 2;
    at::Tensor x0 = x.slice(-1, 0, half), x1 = x.slice(-1, half);
    return at::cat({x0 * cos - x1 * sin, x1 * cos + x0 * sin}, -1);
}

void RopeTable::rotate(const float* x, int64_t headDim, int64_t pos, float* out) const
{
    // Each product rounded, then the sum or difference rounded, as apply()'s elementwise ATen ops do
    // (this file is built without FMA, so the compiler cannot fuse them).
    const int64_t half = headDim / 2;
    const float* cos = m_cos.data_ptr<float>() + pos * half;
    const float* sin = m_sin.data_ptr<float>() + pos * half;
    const bool adjacent = m_style == RopeStyle::AdjacentPairs;
    for (int64_t i = 0; i < half; ++i) {
        const float x0 = adjacent ? x[2 * i] : x[i], x1 = adjacent ? x[2 * i + 1] : x[i + half];
        const float c = cos[i], s = sin[i];
        const float a = x0 * c - x1 * s, b = x1 * c + x0 * s;
        out[adjacent ? 2 * i : i] = a;
        out[adjacent ? 2 * i + 1 : i + half] = b;
    }
}

void RopeTable::requireLength(int64_t end) const
{
    if (end > m_maxLen)
        throw ArgumentError("position " + std::to_string(end) + " exceeds the RoPE table of " + std::to_string(m_maxLen));
}

int64_t RopeTable::rowPosition(int64_t column, const std::vector<int64_t>& rowStart, int64_t b)
{
    return rowStart.empty() ? column : std::max<int64_t>(0, column - rowStart[static_cast<size_t>(b)]);
}

KvCache::KvCache(const ModelConfig& config, int64_t batch, int64_t capacity_) : capacity(capacity_)
{
    for (int64_t i = 0; i < config.nLayers; ++i) {
        keys.push_back(at::zeros({batch, config.nKvHeads, capacity, config.headDim}));
        values.push_back(at::zeros({batch, config.nKvHeads, capacity, config.headDim}));
    }
}

void KvCache::setLeftPadding(const std::vector<int64_t>& pads)
{
    rowStart = pads;
}

void KvCache::sharePrefix(int64_t rows, int64_t more)
{
    if (prefixLength > 0 || rows < 1)
        throw ArgumentError("a KV cache's prefix is shared once, by at least one row each");
    for (size_t i = 0; i < keys.size(); ++i) {
        prefixKeys.push_back(keys[i].slice(2, 0, length));
        prefixValues.push_back(values[i].slice(2, 0, length));
        const auto s = keys[i].sizes();
        keys[i] = at::zeros({s[0] * rows, s[1], more, s[3]});
        values[i] = at::zeros({s[0] * rows, s[1], more, s[3]});
    }
    prefixLength = length;
    rowsPerPrefix = rows;
    capacity = length + more;
    std::vector<int64_t> starts;
    for (int64_t start : rowStart)
        starts.insert(starts.end(), static_cast<size_t>(rows), start);
    rowStart = starts;
}

KvCache KvCache::rowView(int64_t b, int64_t first) const
{
    if (prefixLength > 0 || b < 0 || b >= keys.front().size(0) || first < 0 || first > capacity)
        throw ArgumentError("a KV cache's row view needs a row and a column inside a cache without a shared prefix");
    KvCache view;
    for (size_t i = 0; i < keys.size(); ++i) {
        view.keys.push_back(keys[i].narrow(0, b, 1).narrow(2, first, capacity - first));
        view.values.push_back(values[i].narrow(0, b, 1).narrow(2, first, capacity - first));
    }
    view.capacity = capacity - first;
    return view;
}

namespace {
// A decode step (one position per row) of attentionContext: RoPE on q and k, the step's keys and values
// written into the cache and the attention read in place (decodeAttention), in plain loops. Why: a
// batch-1 decode step of the 135M shape spent ~1.8 ms a token here in ~20 small ATen ops a layer
// (bench_forward). Same arithmetic as the general path.
at::Tensor decodeStepAttention(const ModelConfig& c, const RopeTable& rope, const at::Tensor& q, const at::Tensor& k,
                               const at::Tensor& v, KvCache& cache, size_t layer)
{
    const int64_t B = q.size(0), hd = c.headDim, startPos = cache.length;
    const int64_t slot = startPos - cache.prefixLength; // where this position goes in the rows' own part
    rope.requireLength(startPos + 1);
    at::Tensor qh = at::empty({B, c.nHeads, hd});
    at::Tensor& keys = cache.keys[layer];
    at::Tensor& values = cache.values[layer];
    const float *qp = q.data_ptr<float>(), *kp = k.data_ptr<float>(), *vp = v.data_ptr<float>();
    float *qo = qh.data_ptr<float>(), *ko = keys.data_ptr<float>(), *vo = values.data_ptr<float>();
    for (int64_t b = 0; b < B; ++b) {
        const int64_t pos = RopeTable::rowPosition(startPos, cache.rowStart, b);
        for (int64_t h = 0; h < c.nHeads; ++h)
            rope.rotate(qp + (b * c.nHeads + h) * hd, hd, pos, qo + (b * c.nHeads + h) * hd);
        for (int64_t h = 0; h < c.nKvHeads; ++h) {
            const int64_t kAt = b * keys.stride(0) + h * keys.stride(1) + slot * keys.stride(2);
            const int64_t vAt = b * values.stride(0) + h * values.stride(1) + slot * values.stride(2);
            rope.rotate(kp + (b * c.nKvHeads + h) * hd, hd, pos, ko + kAt);
            std::copy_n(vp + (b * c.nKvHeads + h) * hd, hd, vo + vAt);
        }
    }
    return decodeAttention(c, qh, cache, layer, startPos + 1).view({B, 1, c.qDim()});
}
} // namespace

at::Tensor attentionContext(const ModelConfig& c, const RopeTable& rope, const at::Tensor& q, const at::Tensor& k,
                            const at::Tensor& v, KvCache* cache, size_t layer)
{
    const int64_t B = q.size(0), T = q.size(1), group = c.nHeads / c.nKvHeads;
    const int64_t startPos = cache ? cache->length : 0;
    const std::vector<int64_t> noPadding;
    const std::vector<int64_t>& rowStart = cache ? cache->rowStart : noPadding;
    if (cache && T == 1 && q.scalar_type() == at::kFloat && k.scalar_type() == at::kFloat && v.scalar_type() == at::kFloat &&
        cache->keys[layer].stride(3) == 1 && cache->values[layer].stride(3) == 1)
        return decodeStepAttention(c, rope, q.contiguous(), k.contiguous(), v.contiguous(), *cache, layer);
    at::Tensor qh = rope.apply(q.view({B, T, c.nHeads, c.headDim}).transpose(1, 2), startPos, rowStart);
    at::Tensor kh = rope.apply(k.view({B, T, c.nKvHeads, c.headDim}).transpose(1, 2), startPos, rowStart);
    at::Tensor vh = v.view({B, T, c.nKvHeads, c.headDim}).transpose(1, 2);
    if (cache) {
        const int64_t slot = startPos - cache->prefixLength; // where this position goes in the rows' own part
        cache->keys[layer].slice(2, slot, slot + T).copy_(kh);
        cache->values[layer].slice(2, slot, slot + T).copy_(vh);
        if (T == 1) // a decode step: read in place (core/model/decode_attention.h)
            return decodeAttention(c, qh.squeeze(2), *cache, layer, startPos + 1).view({B, 1, c.qDim()});
        if (cache->prefixLength > 0)
            throw ArgumentError("a KV cache with a shared prefix takes one position per row at a time");
        kh = cache->keys[layer].slice(2, 0, startPos + T);
        vh = cache->values[layer].slice(2, 0, startPos + T);
    }
    if (prefillAttentionAvailable(c.headDim))
        return cache ? prefillAttention(c, qh, kh, vh, startPos, cache->rowStart) : prefillAttention(c, qh, kh, vh.contiguous(), 0, {});
    // The ATen path, where the kernel does not run (no AVX2, or a head width not a multiple of 16).
    // Grouped-query attention without copying k/v: the query heads that share a kv head are folded
    // into the rows of one matrix, [B, kv, group * rows, hd] against [B, kv, S, hd], so every product
    // is a plain batched GEMM. (Broadcasting a group axis instead made matmul expand and copy k and v
    // at every call: with a long cache and a wide batch, as in batched sampling, most of a decode
    // step.) The 1/sqrt(d) goes into q (T x d values rather than T x S scores).
    at::Tensor qg = qh.reshape({B, c.nKvHeads, group, T, c.headDim}) * (1.0 / std::sqrt(static_cast<double>(c.headDim)));
    at::Tensor kT = kh.transpose(-1, -2); // [B, kv, hd, S]
    // Causal attention in blocks of query rows: a block only looks at keys up to its last row, which
    // skips most of the masked upper triangle (measured ~1.6x faster at T = 512 than one full square).
    constexpr int64_t kRowBlock = 64;
    std::vector<at::Tensor> parts;
    for (int64_t r0 = 0; r0 < T; r0 += kRowBlock) {
        const int64_t r1 = std::min(T, r0 + kRowBlock), rows = r1 - r0;
        const int64_t keys = startPos + r1; // query at absolute startPos + i sees keys j <= startPos + i
        at::Tensor q = qg.slice(3, r0, r1).reshape({B, c.nKvHeads, group * rows, c.headDim});
        at::Tensor scores = at::matmul(q, kT.slice(3, 0, keys)).view({B, c.nKvHeads, group, rows, keys});
        if (rows > 1) { // only the block's own keys (its diagonal square) are masked
            const int64_t d0 = startPos + r0;
            at::Tensor mask = at::ones({rows, rows}, at::kBool).triu(1);
            scores.narrow(-1, d0, rows).masked_fill_(mask, -std::numeric_limits<float>::infinity());
        }
        if (cache && !cache->rowStart.empty()) {
            // Real queries skip padded keys; a padded query keeps them (it sees only padding, and a
            // row of -inf would turn into NaN that later reaches real rows through 0 * NaN). Row b is
            // padded at positions [0, pad): only that corner of its scores is filled.
            for (int64_t b = 0; b < B; ++b) {
                const int64_t pad = cache->rowStart[static_cast<size_t>(b)];
                const int64_t firstReal = std::max<int64_t>(0, pad - (startPos + r0));
                if (pad > 0 && firstReal < rows)
                    scores[b].narrow(2, firstReal, rows - firstReal).narrow(3, 0, std::min(pad, keys))
                        .fill_(-std::numeric_limits<float>::infinity());
            }
        }
        at::Tensor probs = at::softmax(scores, -1).view({B, c.nKvHeads, group * rows, keys});
        parts.push_back(at::matmul(probs, vh.slice(2, 0, keys)).view({B, c.nKvHeads, group, rows, c.headDim}));
    }
    at::Tensor ctx = parts.size() == 1 ? parts[0] : at::cat(parts, 3); // [B, kv, group, T, hd]
    return ctx.reshape({B, c.nHeads, T, c.headDim}).transpose(1, 2).reshape({B, T, c.qDim()});
}

at::Tensor selfAttention(const ModelConfig& c, const RopeTable& rope, const BlockWeights& w, const at::Tensor& xn, KvCache* cache,
                         size_t layer)
{
    const std::vector<at::Tensor> qkv = blockLinears(w, {"q_proj", "k_proj", "v_proj"}, xn, {w.bq, w.bk, w.bv});
    return blockLinear(w, "o_proj", attentionContext(c, rope, qkv[0], qkv[1], qkv[2], cache, layer));
}

at::Tensor mlpHidden(const BlockWeights& w, const at::Tensor& xn)
{
    // silu and the product in place: at TinyLlama's shape each [tokens, 5632] fp32 intermediate is
    // 23 KB per token, and four of them lived together until the end of a one-line expression.
    std::vector<at::Tensor> gateUp = blockLinears(w, {"gate_proj", "up_proj"}, xn);
    at::silu_(gateUp[0]);
    return gateUp[0].mul_(gateUp[1]);
}

at::Tensor feedForward(const BlockWeights& w, const at::Tensor& xn)
{
    return blockLinear(w, "down_proj", mlpHidden(w, xn));
}

at::Tensor blockForward(const ModelConfig& c, const RopeTable& rope, const BlockWeights& w, const at::Tensor& x, KvCache* cache,
                        size_t layer)
{
    at::Tensor h = x + selfAttention(c, rope, w, rmsNorm(x, w.attnNorm, c.normEps), cache, layer);
    return h + feedForward(w, rmsNorm(h, w.ffnNorm, c.normEps));
}

at::Tensor embedTokens(const Model& model, const at::Tensor& tokens)
{
    return asFloat(at::embedding(model.tokEmbedding, tokens));
}

at::Tensor outputHidden(const Model& model, const at::Tensor& h)
{
    return rmsNorm(h, asFloat(model.finalNorm), model.config.normEps);
}

at::Tensor outputLogits(const Model& model, const at::Tensor& h)
{
    return applyLinear(outputHidden(model, h), model.lmHead);
}

at::Tensor forward(const Model& model, const RopeTable& rope, const at::Tensor& tokens, KvCache* cache)
{
    at::NoGradGuard noGrad;
    return applyLinear(forwardHidden(model, rope, tokens, cache), model.lmHead);
}

at::Tensor forwardHidden(const Model& model, const RopeTable& rope, const at::Tensor& tokens, KvCache* cache)
{
    const int64_t startPos = cache ? cache->length : 0;
    const int64_t T = tokens.size(1);
    if (cache && startPos + T > cache->capacity)
        throw ArgumentError("sequence of " + std::to_string(startPos + T) + " tokens exceeds the cache of " +
                            std::to_string(cache->capacity));
    at::NoGradGuard noGrad;
    at::Tensor h = embedTokens(model, tokens);
    // blockWeightsFor without its copy for a decode step (a BlockWeights holds two maps by name).
    const bool asStored = readsWeightsAsStored(tokens.numel());
    for (size_t i = 0; i < model.blocks.size(); ++i) {
        BlockWeights upcast;
        if (!asStored)
            upcast = blockAsFloat(model.blocks[i]);
        h = blockForward(model.config, rope, asStored ? model.blocks[i] : upcast, h, cache, i);
    }
    if (cache)
        cache->length += T;
    return outputHidden(model, h);
}

} // namespace awb
