#include "core/model/model.h"

#include "core/base/error.h"
#include "core/base/mapped_file.h"

#include <ATen/ATen.h>

namespace awb {

namespace {
// The members behind hfLinearNames(), in the same order.
constexpr at::Tensor BlockWeights::*kLinearMembers[] = {&BlockWeights::wq,    &BlockWeights::wk, &BlockWeights::wv,  &BlockWeights::wo,
                                                       &BlockWeights::wGate, &BlockWeights::wUp, &BlockWeights::wDown};
constexpr at::Tensor BlockWeights::*kBiasMembers[] = {&BlockWeights::bq, &BlockWeights::bk, &BlockWeights::bv};

// Expected shape of a block tensor, by its relative Hugging Face name.
std::vector<int64_t> blockTensorShape(const ModelConfig& c, const std::string& relativeName)
{
    if (relativeName == kHfAttnNorm || relativeName == kHfFfnNorm)
        return {c.dim};
    for (const std::string& linear : hfLinearNames()) {
        const auto [out, in] = linearShape(c, linear);
        if (relativeName == hfLinearRelative(linear) + ".weight")
            return {out, in};
        if (relativeName == hfLinearRelative(linear) + ".bias")
            return {out};
    }
    throw ShapeError("unknown block tensor " + relativeName);
}
} // namespace

std::pair<int64_t, int64_t> linearShape(const ModelConfig& c, const std::string& linear)
{
    if (linear == "q_proj")
        return {c.qDim(), c.dim};
    if (linear == "k_proj" || linear == "v_proj")
        return {c.kvDim(), c.dim};
    if (linear == "o_proj")
        return {c.dim, c.qDim()};
    if (linear == "gate_proj" || linear == "up_proj")
        return {c.hiddenDim, c.dim};
    if (linear == "down_proj")
        return {c.dim, c.hiddenDim};
    throw ShapeError("unknown linear layer " + linear);
}

void BlockWeights::forEachLinear(const std::function<void(const std::string&, at::Tensor&)>& fn)
{
    for (size_t i = 0; i < hfLinearNames().size(); ++i)
        fn(hfLinearNames()[i], this->*kLinearMembers[i]);
}

void BlockWeights::forEachTensor(const std::function<void(const std::string&, at::Tensor&)>& fn)
{
    const auto& names = hfLinearNames();
    fn(kHfAttnNorm, attnNorm);
    for (size_t i = 0; i < 4; ++i) // attention
        fn(hfLinearRelative(names[i]) + ".weight", this->*kLinearMembers[i]);
    for (size_t i = 0; i < 3; ++i)
        fn(hfLinearRelative(names[i]) + ".bias", this->*kBiasMembers[i]);
    fn(kHfFfnNorm, ffnNorm);
    for (size_t i = 4; i < names.size(); ++i) // MLP
        fn(hfLinearRelative(names[i]) + ".weight", this->*kLinearMembers[i]);
}

void BlockWeights::forEachTensor(const std::function<void(const std::string&, const at::Tensor&)>& fn) const
{
    const_cast<BlockWeights*>(this)->forEachTensor([&](const std::string& name, at::Tensor& t) { fn(name, t); });
}

void Model::forEachTensor(const std::function<void(const std::string&, const at::Tensor&)>& fn) const
{
    fn(kHfEmbedTokens, tokEmbedding);
    for (size_t i = 0; i < blocks.size(); ++i)
        blocks[i].forEachTensor([&](const std::string& name, const at::Tensor& t) {
            if (t.defined())
                fn(hfLayerPrefix(static_cast<int64_t>(i)) + name, t);
        });
    fn(kHfFinalNorm, finalNorm);
    if (!config.tiedEmbeddings)
        fn(kHfLmHead, lmHead);
}

void releaseMappedPages(const at::Tensor& t)
{
    if (t.defined() && t.is_contiguous())
        MappedFile::releasePages(t.data_ptr(), t.numel() * t.element_size());
}

void releaseMappedPages(const BlockWeights& b)
{
    b.forEachTensor([](const std::string&, const at::Tensor& t) { releaseMappedPages(t); });
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

const at::Tensor& BlockWeights::linear(const std::string& name) const
{
    return const_cast<BlockWeights*>(this)->linear(name); // the lookup only; nothing is written
}

int64_t Model::parameterCount() const
{
    int64_t n = 0;
    forEachTensor([&](const std::string&, const at::Tensor& t) { n += t.numel(); });
    return n;
}

void Model::validateShapes(const std::string& source) const
{
    const auto& c = config;
    auto check = [&](const at::Tensor& t, const std::vector<int64_t>& shape, const std::string& name) {
        if (!t.defined())
            throw ShapeError(source + ": tensor " + name + " is missing");
        if (t.sizes().vec() != shape)
            throw ShapeError(source + ": tensor " + name + " has shape " + c10::str(t.sizes()) + ", config needs " +
                             c10::str(at::IntArrayRef(shape)));
    };
    check(tokEmbedding, {c.vocabSize, c.dim}, kHfEmbedTokens);
    check(finalNorm, {c.dim}, kHfFinalNorm);
    check(lmHead, {c.vocabSize, c.dim}, kHfLmHead);
    if (static_cast<int64_t>(blocks.size()) != c.nLayers)
        throw ShapeError(source + ": " + std::to_string(blocks.size()) + " layers found, config says " + std::to_string(c.nLayers));
    for (int64_t i = 0; i < c.nLayers; ++i)
        blocks[i].forEachTensor([&](const std::string& name, const at::Tensor& t) {
            const bool bias = isHfBias(name);
            if (!bias || c.qkvBias)
                check(t, blockTensorShape(c, name), hfLayerPrefix(i) + name);
        });
}

} // namespace awb
