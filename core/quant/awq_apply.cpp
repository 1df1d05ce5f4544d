#include "core/quant/awq_result.h"

#include "core/base/error.h"
#include "core/quant/quantizer.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>

namespace awb {

namespace {
// maxVal [out, groups]: per output row, the clip of each input group. Its shape comes from a stored
// result, which may come from another model or a hostile file: checked before it divides anything.
at::Tensor clampGroups(const at::Tensor& w, const at::Tensor& maxVal, const std::string& linear)
{
    if (maxVal.dim() != 2 || maxVal.size(0) != w.size(0) || maxVal.size(1) < 1 || maxVal.size(1) > w.size(1))
        throw ShapeError(linear + " is [" + std::to_string(w.size(0)) + ", " + std::to_string(w.size(1)) +
                         "], its stored clip table is " + c10::str(maxVal.sizes()) +
                         " (needs one row per output and between 1 and " + std::to_string(w.size(1)) + " groups)");
    const int64_t groups = maxVal.size(1);
    const int64_t group = (w.size(1) + groups - 1) / groups;
    if ((w.size(1) + group - 1) / group != groups)
        throw ShapeError(linear + ": " + std::to_string(groups) + " clip groups do not split " + std::to_string(w.size(1)) +
                         " inputs into equal groups");
    at::Tensor g = groupView(w, group);
    at::Tensor m = maxVal.unsqueeze(-1);
    return at::max(at::min(g, m), -m).reshape({w.size(0), -1}).slice(1, 0, w.size(1));
}
} // namespace

BlockWeights transformBlock(BlockWeights b, const BlockAwqResult* result)
{
    // every change below assigns a new tensor, so a caller's copy of the block is never written
    if (!result)
        return b;
    for (const auto& s : result->scales) {
        if (s.scales.dim() != 1)
            throw ShapeError("scales after " + s.prevOp + " must be a vector, not of shape " + c10::str(s.scales.sizes()));
        // the previous op's outputs are divided by s, the linears' input columns multiplied by s
        if (s.prevOp == "input_layernorm" || s.prevOp == "post_attention_layernorm") {
            const at::Tensor& norm = s.prevOp == "input_layernorm" ? b.attnNorm : b.ffnNorm;
            if (norm.size(0) != s.scales.size(0))
                throw ShapeError(s.prevOp + " has " + std::to_string(norm.size(0)) + " weights, scales have " +
                                 std::to_string(s.scales.size(0)));
        }
        if (s.prevOp == "input_layernorm") {
            b.attnNorm = b.attnNorm / s.scales;
        } else if (s.prevOp == "post_attention_layernorm") {
            b.ffnNorm = b.ffnNorm / s.scales;
        } else {
            at::Tensor* prev = &b.linear(s.prevOp);
            if (prev->size(0) != s.scales.size(0))
                throw ShapeError(s.prevOp + " has " + std::to_string(prev->size(0)) + " outputs, scales have " +
                                 std::to_string(s.scales.size(0)));
            *prev = *prev / s.scales.unsqueeze(1);
            if (s.prevOp == "v_proj" && b.bv.defined())
                b.bv = b.bv / s.scales;
        }
        for (const auto& name : s.linears) {
            at::Tensor* w = &b.linear(name);
            if (w->size(1) != s.scales.size(0))
                throw ShapeError(name + " has " + std::to_string(w->size(1)) + " inputs, scales have " + std::to_string(s.scales.size(0)));
            *w = *w * s.scales;
        }
    }
    for (const auto& c : result->clips) {
        at::Tensor* w = &b.linear(c.linear);
        *w = clampGroups(*w, c.maxVal, c.linear);
    }
    return b;
}

BlockWeights pseudoQuantizeBlock(BlockWeights b, const QuantConfig& quant, bool keepCodes)
{
    b.codes.clear();
    b.forEachLinear([&](const std::string& name, at::Tensor& w) {
        at::Tensor q = pseudoQuantize(w, quant);
        if (keepCodes)
            if (std::optional<QuantCodes> codes = decodeCodes(w, q, quant))
                b.codes[name] = std::move(*codes);
        w = std::move(q);
    });
    return b;
}

Model applyAwqResult(const Model& fp, const AwqResult& result, bool keepCodes)
{
    if (!result.blocks.empty() && result.blocks.size() != fp.blocks.size())
        throw ShapeError("the AWQ result has " + std::to_string(result.blocks.size()) + " blocks, the model " +
                         std::to_string(fp.blocks.size()));
    Model q = fp;
    for (size_t i = 0; i < q.blocks.size(); ++i) {
        const BlockAwqResult* r = result.blocks.empty() ? nullptr : &result.blocks[i];
        q.blocks[i] = pseudoQuantizeBlock(transformBlock(blockAsFloat(fp.blocks[i]), r), result.quant, keepCodes);
    }
    return q;
}

} // namespace awb
