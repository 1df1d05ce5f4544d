#include "core/eval/layer_error.h"

#include "core/base/error.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <functional>
#include <optional>

namespace awb {

namespace {
// The seven linear outputs of one block at input x, and the block output.
struct BlockOutputs {
    std::vector<at::Tensor> linears;
    at::Tensor out;
};

BlockOutputs runBlock(const ModelConfig& c, const RopeTable& rope, const BlockWeights& w, const at::Tensor& x)
{
    BlockOutputs r;
    at::Tensor xn = rmsNorm(x, w.attnNorm, c.normEps);
    at::Tensor q = applyLinear(xn, w.wq, w.bq), k = applyLinear(xn, w.wk, w.bk), v = applyLinear(xn, w.wv, w.bv);
    at::Tensor o = applyLinear(attentionContext(c, rope, q, k, v), w.wo);
    at::Tensor h = x + o;
    at::Tensor xn2 = rmsNorm(h, w.ffnNorm, c.normEps);
    at::Tensor gate = applyLinear(xn2, w.wGate), up = applyLinear(xn2, w.wUp);
    at::Tensor down = applyLinear(at::silu(gate) * up, w.wDown);
    r.linears = {q, k, v, o, gate, up, down};
    r.out = h + down;
    return r;
}
// q/k outputs of a model whose RoPE rotates halves, reordered to adjacent pairs (or back): the same
// model converted between llama2.c and Hugging Face layouts has these rows permuted per head
// (Hugging Face's conversion: view(heads, hd/2, 2, dim).transpose(1, 2)), and its error must be
// measured channel against channel.
at::Tensor toRopeLayout(const at::Tensor& x, int64_t heads, RopeStyle from, RopeStyle to)
{
    if (from == to)
        return x;
    const int64_t hd = x.size(-1) / heads;
    std::vector<int64_t> lead(x.sizes().begin(), x.sizes().end() - 1);
    std::vector<int64_t> shape = lead;
    if (from == RopeStyle::RotateHalf)
        shape.insert(shape.end(), {heads, 2, hd / 2});
    else
        shape.insert(shape.end(), {heads, hd / 2, 2});
    return x.reshape(shape).transpose(-1, -2).reshape(x.sizes());
}
} // namespace

FpBlockInputs captureFpBlockInputs(const Model& fp, const at::Tensor& tokens)
{
    at::NoGradGuard noGrad;
    FpBlockInputs r;
    r.tokens = tokens;
    RopeTable rope(fp.config, tokens.size(1));
    at::Tensor x = embedTokens(fp, tokens);
    for (const auto& block : fp.blocks) {
        r.inputs.push_back(x);
        x = runBlock(fp.config, rope, blockAsFloat(block), x).out;
    }
    return r;
}

namespace {
// The errors of every block's linears, block b run at inputOf(b, F's outputs of block b - 1, or null
// for block 0).
LayerErrorMap compareBlocks(const Model& fp, const Model& qm, int64_t T,
                            const std::function<at::Tensor(int64_t, const BlockOutputs*)>& inputOf, JobContext* job)
{
    // An AutoAWQ folder may pad the FFN to a width its packing holds (stories260K: 172 -> 176) with
    // zero rows in gate/up and zero columns in down; those channels are compared on F's width.
    if (fp.blocks.size() != qm.blocks.size() || fp.config.dim != qm.config.dim || qm.config.hiddenDim < fp.config.hiddenDim)
        throw ShapeError("per-layer error: the FP and quantized models have different shapes");
    at::NoGradGuard noGrad;
    LayerErrorMap m;
    m.linears = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    const int64_t nBlocks = static_cast<int64_t>(fp.blocks.size());
    m.relError = at::zeros({nBlocks, static_cast<int64_t>(m.linears.size())}, at::kDouble);
    RopeTable rope(fp.config, T), ropeQ(qm.config, T);
    std::optional<BlockOutputs> f;
    for (int64_t b = 0; b < nBlocks; ++b) {
        const at::Tensor x = inputOf(b, f ? &*f : nullptr);
        f = runBlock(fp.config, rope, blockAsFloat(fp.blocks[static_cast<size_t>(b)]), x);
        BlockOutputs q = runBlock(qm.config, ropeQ, blockAsFloat(qm.blocks[static_cast<size_t>(b)]), x);
        q.linears[0] = toRopeLayout(q.linears[0], qm.config.nHeads, qm.config.rope, fp.config.rope);
        q.linears[1] = toRopeLayout(q.linears[1], qm.config.nKvHeads, qm.config.rope, fp.config.rope);
        for (size_t l = 0; l < m.linears.size(); ++l) {
            const at::Tensor fOut = f->linears[l];
            const at::Tensor qOut = q.linears[l].narrow(-1, 0, fOut.size(-1));
            const double ref = fOut.norm().item<double>();
            m.relError[b][static_cast<int64_t>(l)] = ref > 0 ? (qOut - fOut).norm().item<double>() / ref : 0.0;
        }
        if (job)
            job->report(b + 1, nBlocks, "layer error");
    }
    return m;
}
} // namespace

LayerErrorMap layerErrors(const Model& fp, const Model& qm, const at::Tensor& tokens, JobContext* job)
{
    // F's block inputs as they come (its last outputs are the next block's input): one F pass
    // fewer than capturing them first, which only pays when several Q share them.
    at::NoGradGuard noGrad;
    return compareBlocks(fp, qm, tokens.size(1), [&](int64_t b, const BlockOutputs* previous) {
        return b == 0 ? embedTokens(fp, tokens) : previous->out;
    }, job);
}

LayerErrorMap layerErrors(const Model& fp, const Model& qm, const FpBlockInputs& fpInputs, JobContext* job)
{
    if (fpInputs.inputs.size() != fp.blocks.size())
        throw ShapeError("per-layer error: the FP and quantized models have different shapes");
    return compareBlocks(fp, qm, fpInputs.tokens.size(1), [&](int64_t b, const BlockOutputs*) {
        return fpInputs.inputs[static_cast<size_t>(b)];
    }, job);
}

} // namespace awb
