#include "core/model/model.h"

#include "core/base/error.h"
#include "core/base/mapped_file.h"

#include <ATen/ATen.h>

namespace awb {

void BlockWeights::forEachLinear(const std::function<void(const std::string&, at::Tensor&)>& fn)
{
    fn("q_proj", wq);
    fn("k_proj", wk);
    fn("v_proj", wv);
    fn("o_proj", wo);
    fn("gate_proj", wGate);
    fn("up_proj", wUp);
    fn("down_proj", wDown);
}

void releaseMappedPages(const at::Tensor& t)
{
    if (t.defined() && t.is_contiguous())
        MappedFile::releasePages(t.data_ptr(), t.numel() * t.element_size());
}

void releaseMappedPages(const BlockWeights& b)
{
    for (const auto* t : {&b.attnNorm, &b.wq, &b.wk, &b.wv, &b.wo, &b.bq, &b.bk, &b.bv, &b.ffnNorm, &b.wGate, &b.wUp, &b.wDown})
        releaseMappedPages(*t);
}

at::Tensor& BlockWeights::linear(const std::string& name)
{
    at::Tensor* found = nullptr;
    forEachLinear([&](const std::string& n, at::Tensor& w) {
        if (n == name)
            found = &w;
    });
    if (!found)
        throw ShapeError("unknown linear layer " + name);
    return *found;
}

std::string hfLinearPrefix(int64_t layer, const std::string& linearName)
{
    const bool attention = linearName == "q_proj" || linearName == "k_proj" || linearName == "v_proj" || linearName == "o_proj";
    return "model.layers." + std::to_string(layer) + (attention ? ".self_attn." : ".mlp.") + linearName;
}

int64_t Model::parameterCount() const
{
    int64_t n = tokEmbedding.numel() + finalNorm.numel();
    if (!config.tiedEmbeddings)
        n += lmHead.numel();
    for (const auto& b : blocks)
        for (const auto* t : {&b.attnNorm, &b.wq, &b.wk, &b.wv, &b.wo, &b.bq, &b.bk, &b.bv, &b.ffnNorm, &b.wGate, &b.wUp, &b.wDown})
            if (t->defined())
                n += t->numel();
    return n;
}

void Model::validateShapes(const std::string& source) const
{
    const auto& c = config;
    auto check = [&](const at::Tensor& t, std::vector<int64_t> shape, const std::string& name) {
        if (!t.defined())
            throw ShapeError(source + ": tensor " + name + " is missing");
        if (t.sizes().vec() != shape)
            throw ShapeError(source + ": tensor " + name + " has shape " + c10::str(t.sizes()) + ", config needs " +
                             c10::str(at::IntArrayRef(shape)));
    };
    check(tokEmbedding, {c.vocabSize, c.dim}, "model.embed_tokens.weight");
    check(finalNorm, {c.dim}, "model.norm.weight");
    check(lmHead, {c.vocabSize, c.dim}, "lm_head.weight");
    if (static_cast<int64_t>(blocks.size()) != c.nLayers)
        throw ShapeError(source + ": " + std::to_string(blocks.size()) + " layers found, config says " + std::to_string(c.nLayers));
    for (int64_t i = 0; i < c.nLayers; ++i) {
        const auto& b = blocks[i];
        const std::string p = "model.layers." + std::to_string(i) + ".";
        check(b.attnNorm, {c.dim}, p + "input_layernorm.weight");
        check(b.wq, {c.qDim(), c.dim}, p + "self_attn.q_proj.weight");
        check(b.wk, {c.kvDim(), c.dim}, p + "self_attn.k_proj.weight");
        check(b.wv, {c.kvDim(), c.dim}, p + "self_attn.v_proj.weight");
        check(b.wo, {c.dim, c.qDim()}, p + "self_attn.o_proj.weight");
        if (c.qkvBias) {
            check(b.bq, {c.qDim()}, p + "self_attn.q_proj.bias");
            check(b.bk, {c.kvDim()}, p + "self_attn.k_proj.bias");
            check(b.bv, {c.kvDim()}, p + "self_attn.v_proj.bias");
        }
        check(b.ffnNorm, {c.dim}, p + "post_attention_layernorm.weight");
        check(b.wGate, {c.hiddenDim, c.dim}, p + "mlp.gate_proj.weight");
        check(b.wUp, {c.hiddenDim, c.dim}, p + "mlp.up_proj.weight");
        check(b.wDown, {c.dim, c.hiddenDim}, p + "mlp.down_proj.weight");
    }
}

} // namespace awb
