#include "core/eval/layer_error.h"

#include "core/base/error.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>

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
    at::Tensor o = applyLinear(attentionContext(c, rope, q, k, v, 0), w.wo);
    at::Tensor h = x + o;
    at::Tensor xn2 = rmsNorm(h, w.ffnNorm, c.normEps);
    at::Tensor gate = applyLinear(xn2, w.wGate), up = applyLinear(xn2, w.wUp);
    at::Tensor down = applyLinear(at::silu(gate) * up, w.wDown);
    r.linears = {q, k, v, o, gate, up, down};
    r.out = h + down;
    return r;
}
} // namespace

LayerErrorMap layerErrors(const Model& fp, const Model& qm, const at::Tensor& tokens, JobContext* job)
{
    if (fp.blocks.size() != qm.blocks.size() || fp.config.dim != qm.config.dim || fp.config.hiddenDim != qm.config.hiddenDim)
        throw ShapeError("per-layer error: the FP and quantized models have different shapes");
    at::NoGradGuard noGrad;
    LayerErrorMap m;
    m.linears = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    const int64_t nBlocks = static_cast<int64_t>(fp.blocks.size());
    m.relError = at::zeros({nBlocks, static_cast<int64_t>(m.linears.size())}, at::kDouble);
    RopeTable rope(fp.config, tokens.size(1));
    at::Tensor x = embedTokens(fp, tokens);
    for (int64_t b = 0; b < nBlocks; ++b) {
        const BlockOutputs f = runBlock(fp.config, rope, blockAsFloat(fp.blocks[static_cast<size_t>(b)]), x);
        const BlockOutputs q = runBlock(qm.config, rope, blockAsFloat(qm.blocks[static_cast<size_t>(b)]), x);
        for (size_t l = 0; l < m.linears.size(); ++l) {
            const double ref = f.linears[l].norm().item<double>();
            m.relError[b][static_cast<int64_t>(l)] = ref > 0 ? (q.linears[l] - f.linears[l]).norm().item<double>() / ref : 0.0;
        }
        x = f.out;
        if (job)
            job->report(b + 1, nBlocks, "layer error");
    }
    return m;
}

} // namespace awb
