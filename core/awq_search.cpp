#include "core/awq_search.h"

#include "core/error.h"
#include "core/mapped_file.h"
#include "core/quantizer.h"
#include "core/transformer.h"

#include <ATen/ATen.h>
#include <chrono>
#include <cmath>
#include <functional>

namespace awb {

namespace {

// Applies fn to windows [begin, end) of x in chunks and concatenates along dim 0.
at::Tensor chunked(const at::Tensor& x, int64_t chunk, const std::function<at::Tensor(const at::Tensor&)>& fn)
{
    std::vector<at::Tensor> parts;
    for (int64_t b = 0; b < x.size(0); b += chunk)
        parts.push_back(fn(x.slice(0, b, std::min(x.size(0), b + chunk))));
    return parts.size() == 1 ? parts[0] : at::cat(parts, 0);
}

// Sum of squared differences between fn(chunk) and the matching chunk of reference, / numel.
double chunkedMse(const at::Tensor& x, const at::Tensor& reference, int64_t chunk,
                  const std::function<at::Tensor(const at::Tensor&)>& fn)
{
    double sum = 0;
    for (int64_t b = 0; b < x.size(0); b += chunk) {
        const int64_t e = std::min(x.size(0), b + chunk);
        sum += (fn(x.slice(0, b, e)) - reference.slice(0, b, e)).pow(2).sum().item<double>();
    }
    return sum / static_cast<double>(reference.numel());
}

struct Captured {
    at::Tensor attnIn;  // normalised input of q/k/v [n, T, dim]
    at::Tensor oIn;     // attention context, input of o_proj [n, T, qDim]
    at::Tensor attnOut; // self-attention output [n, T, dim]
    at::Tensor mlpIn;   // normalised input of gate/up
    at::Tensor downIn;  // silu(gate) * up
    at::Tensor mlpOut;
    at::Tensor blockOut;
};

Captured captureBlock(const ModelConfig& c, const RopeTable& rope, const BlockWeights& w, const at::Tensor& x, int64_t chunk)
{
    Captured cap;
    cap.attnIn = rmsNorm(x, w.attnNorm, c.normEps);
    cap.oIn = chunked(cap.attnIn, chunk, [&](const at::Tensor& xn) {
        return attentionContext(c, rope, applyLinear(xn, w.wq, w.bq), applyLinear(xn, w.wk, w.bk), applyLinear(xn, w.wv, w.bv), 0);
    });
    cap.attnOut = applyLinear(cap.oIn, w.wo);
    at::Tensor h = x + cap.attnOut;
    cap.mlpIn = rmsNorm(h, w.ffnNorm, c.normEps);
    cap.downIn = at::silu(applyLinear(cap.mlpIn, w.wGate)) * applyLinear(cap.mlpIn, w.wUp);
    cap.mlpOut = applyLinear(cap.downIn, w.wDown);
    cap.blockOut = h + cap.mlpOut;
    return cap;
}

// Scale search for linears sharing `input`: loss of module(weights with scaled pseudo-quantized
// linears) against the FP output, on a grid of alpha.
ScaleSearch searchScale(const std::string& prevOp, const std::vector<std::string>& linears, const BlockWeights& fp,
                        const at::Tensor& input, const at::Tensor& fpOut, const AwqOptions& o,
                        const std::function<double(const BlockWeights&)>& lossOf)
{
    ScaleSearch r;
    r.prevOp = prevOp;
    r.linears = linears;
    r.activationMean = input.abs().reshape({-1, input.size(-1)}).mean(0);
    at::Tensor weightMean;
    if (o.duoScaling) {
        // AutoAWQ's duo scaling: mean over the group linears of |w| normalised per group row
        std::vector<at::Tensor> ws;
        BlockWeights b = fp;
        for (const auto& n : linears)
            ws.push_back(b.linear(n));
        at::Tensor w = at::cat(ws, 0);
        at::Tensor g = groupView(w, o.quant.effectiveGroup(w.size(1)));
        at::Tensor normalised = (g.abs() / g.abs().amax(-1, true).clamp_min(1e-8)).reshape({w.size(0), -1}).slice(1, 0, w.size(1));
        weightMean = normalised.mean(0);
    }
    std::vector<float> alphas, losses;
    double best = std::numeric_limits<double>::infinity();
    for (int i = 0; i < o.scaleGrid; ++i) {
        const double alpha = static_cast<double>(i) / o.scaleGrid;
        at::Tensor s = o.duoScaling ? (r.activationMean.pow(alpha) / weightMean.pow(1 - alpha).clamp_min(1e-4)).clamp_min(1e-4)
                                    : r.activationMean.pow(alpha).clamp_min(1e-4);
        s = s / (s.max() * s.min()).sqrt();
        BlockWeights trial = fp;
        for (const auto& n : linears) {
            at::Tensor* w = &trial.linear(n);
            *w = pseudoQuantize(*w * s, o.quant) / s;
        }
        const double loss = lossOf(trial);
        alphas.push_back(static_cast<float>(alpha));
        losses.push_back(static_cast<float>(loss));
        if (i == 0)
            r.fpLoss = loss; // alpha 0 gives s = 1: plain RTN of the group
        if (loss < best) {
            best = loss;
            r.bestAlpha = alpha;
            r.scales = s;
        }
    }
    if (!std::isfinite(best))
        throw Error("AWQ scale search for " + prevOp + " found no finite loss (NaN activations?)");
    r.alphas = at::tensor(alphas);
    r.losses = at::tensor(losses);
    return r;
}

// Clip search for one (already scaled) linear on sampled input tokens [n, in]. Output channels go
// in batches so the per-group partial outputs [groups, n, batch] stay small (TinyLlama's down_proj
// would need ~200 MB per copy at once).
ClipSearch searchClip(const std::string& name, const at::Tensor& w, const at::Tensor& sampled, const AwqOptions& o)
{
    constexpr int64_t kChannelBatch = 256;
    const int64_t group = o.quant.effectiveGroup(w.size(1));
    QuantConfig perGroup = o.quant;
    perGroup.groupSize = group; // quantize exactly the groups being clipped
    const int steps = static_cast<int>(o.maxShrink * o.clipGrid);
    at::Tensor xg = groupView(sampled, group).transpose(0, 1); // [G, n, gs]
    std::vector<at::Tensor> bestMaxParts, orgMaxParts;
    for (int64_t c0 = 0; c0 < w.size(0); c0 += kChannelBatch) {
        at::Tensor wb = w.slice(0, c0, std::min(w.size(0), c0 + kChannelBatch));
        at::Tensor wg = groupView(wb, group);                    // [out, G, gs]
        at::Tensor fpOut = at::matmul(xg, wg.permute({1, 2, 0})); // [G, n, out] per-group partial outputs
        at::Tensor orgMax = wg.abs().amax(-1, true);             // [out, G, 1]
        at::Tensor bestMax = orgMax.clone();
        at::Tensor bestErr = at::full_like(orgMax, std::numeric_limits<float>::infinity());
        for (int i = 0; i < steps; ++i) {
            at::Tensor maxVal = orgMax * (1.0 - static_cast<double>(i) / o.clipGrid);
            at::Tensor clipped = at::max(at::min(wg, maxVal), -maxVal);
            at::Tensor q = pseudoQuantize(clipped.reshape({wb.size(0), -1}), perGroup).reshape(wg.sizes());
            at::Tensor out = at::matmul(xg, q.permute({1, 2, 0}));
            at::Tensor err = (out - fpOut).pow(2).mean(1).transpose(0, 1).unsqueeze(-1); // [out, G, 1]
            at::Tensor better = err < bestErr;
            bestErr = at::where(better, err, bestErr);
            bestMax = at::where(better, maxVal, bestMax);
        }
        bestMaxParts.push_back(bestMax.squeeze(-1));
        orgMaxParts.push_back(orgMax.squeeze(-1));
    }
    ClipSearch c;
    c.linear = name;
    c.maxVal = at::cat(bestMaxParts, 0);
    c.ratio = c.maxVal / at::cat(orgMaxParts, 0).clamp_min(1e-12);
    return c;
}

// Every (n/samples)-th token, as llm-awq samples clip inputs.
at::Tensor sampleTokens(const at::Tensor& x, int64_t samples)
{
    at::Tensor flat = x.reshape({-1, x.size(-1)});
    const int64_t step = std::max<int64_t>(1, flat.size(0) / samples);
    return flat.slice(0, 0, flat.size(0), step);
}

} // namespace

AwqResult runAwqSearch(const Model& model, const at::Tensor& calibration, const AwqOptions& o, JobContext* job)
{
    o.quant.validate();
    if (calibration.dim() != 2 || calibration.size(0) == 0)
        throw ArgumentError("the calibration set is empty");
    const ModelConfig& c = model.config;
    const int64_t T = calibration.size(1);
    const int64_t chunk = std::max<int64_t>(1, o.windowsPerChunk);
    RopeTable rope(c, T);
    AwqResult result;
    result.method = "awq";
    result.quant = o.quant;
    result.modelPath = model.sourcePath;
    result.calibrationBlocks = calibration.size(0);
    result.calibrationSeqLen = T;

    for (const char* name : {"down_proj"}) {
        const int64_t in = c.hiddenDim, g = o.quant.effectiveGroup(in);
        if (job && in % g != 0)
            job->log(std::string(name) + ": " + std::to_string(in) + " inputs are not a multiple of the group size " +
                     std::to_string(g) + "; the last group is zero-padded to " + std::to_string((in + g - 1) / g * g) +
                     " (exact for the function)");
    }

    at::NoGradGuard noGrad;
    at::Tensor x = embedTokens(model, calibration);
    const int64_t nBlocks = c.nLayers;
    const int64_t stepsPerBlock = 3;
    for (int64_t i = 0; i < nBlocks; ++i) {
        const auto start = std::chrono::steady_clock::now();
        const std::string where = "block " + std::to_string(i + 1) + "/" + std::to_string(nBlocks);
        if (job)
            job->report(i * stepsPerBlock, nBlocks * stepsPerBlock, where + ": capture");
        const BlockWeights fp = blockAsFloat(model.blocks[i]);
        Captured cap = captureBlock(c, rope, fp, x, chunk);

        BlockAwqResult br;
        if (o.searchScales) {
            if (job)
                job->report(i * stepsPerBlock + 1, nBlocks * stepsPerBlock, where + ": scale search");
            br.scales.push_back(searchScale("input_layernorm", {"q_proj", "k_proj", "v_proj"}, fp, cap.attnIn, cap.attnOut, o,
                                            [&](const BlockWeights& w) {
                                                return chunkedMse(cap.attnIn, cap.attnOut, chunk, [&](const at::Tensor& xn) {
                                                    return selfAttention(c, rope, w, xn);
                                                });
                                            }));
            if (fp.wv.size(0) == fp.wo.size(1)) // llm-awq scales o by v only where their shapes match (no GQA)
                br.scales.push_back(searchScale("v_proj", {"o_proj"}, fp, cap.oIn, cap.attnOut, o, [&](const BlockWeights& w) {
                    return chunkedMse(cap.oIn, cap.attnOut, chunk, [&](const at::Tensor& in) { return applyLinear(in, w.wo); });
                }));
            br.scales.push_back(searchScale("post_attention_layernorm", {"gate_proj", "up_proj"}, fp, cap.mlpIn, cap.mlpOut, o,
                                            [&](const BlockWeights& w) {
                                                return chunkedMse(cap.mlpIn, cap.mlpOut, chunk,
                                                                  [&](const at::Tensor& xn) { return feedForward(w, xn); });
                                            }));
            br.scales.push_back(searchScale("up_proj", {"down_proj"}, fp, cap.downIn, cap.mlpOut, o, [&](const BlockWeights& w) {
                return chunkedMse(cap.downIn, cap.mlpOut, chunk, [&](const at::Tensor& in) { return applyLinear(in, w.wDown); });
            }));
        }
        if (job)
            job->checkCancelled();

        if (o.searchClip) {
            if (job)
                job->report(i * stepsPerBlock + 2, nBlocks * stepsPerBlock, where + ": clip search");
            // clip on the scaled weights and the correspondingly scaled inputs (llm-awq's apply_scale)
            const BlockWeights scaled = transformBlock(fp, &br);
            auto scaleOf = [&](const std::string& prevOp) -> at::Tensor {
                for (const auto& s : br.scales)
                    if (s.prevOp == prevOp)
                        return s.scales;
                return at::Tensor();
            };
            auto divided = [](const at::Tensor& t, const at::Tensor& s) { return s.defined() ? t / s : t; };
            const at::Tensor attnSample = divided(sampleTokens(cap.attnIn, o.clipSampleTokens), scaleOf("input_layernorm"));
            const at::Tensor oSample = divided(sampleTokens(cap.oIn, o.clipSampleTokens), scaleOf("v_proj"));
            const at::Tensor mlpSample = divided(sampleTokens(cap.mlpIn, o.clipSampleTokens), scaleOf("post_attention_layernorm"));
            const at::Tensor downSample = divided(sampleTokens(cap.downIn, o.clipSampleTokens), scaleOf("up_proj"));
            if (o.clipQueryKey) {
                br.clips.push_back(searchClip("q_proj", scaled.wq, attnSample, o));
                br.clips.push_back(searchClip("k_proj", scaled.wk, attnSample, o));
            }
            br.clips.push_back(searchClip("v_proj", scaled.wv, attnSample, o));
            br.clips.push_back(searchClip("o_proj", scaled.wo, oSample, o));
            br.clips.push_back(searchClip("gate_proj", scaled.wGate, mlpSample, o));
            br.clips.push_back(searchClip("up_proj", scaled.wUp, mlpSample, o));
            br.clips.push_back(searchClip("down_proj", scaled.wDown, downSample, o));
        }

        if (o.feedQuantized) {
            const BlockWeights q = pseudoQuantizeBlock(transformBlock(fp, &br), o.quant);
            x = chunked(x, chunk, [&](const at::Tensor& xc) { return blockForward(c, rope, q, xc); });
        } else {
            x = cap.blockOut;
        }
        releaseMappedPages(model.blocks[i]);
        br.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (job)
            job->log(where + " searched in " + std::to_string(br.seconds) + " s");
        result.blocks.push_back(std::move(br));
    }
    if (job)
        job->report(nBlocks * stepsPerBlock, nBlocks * stepsPerBlock, "done");
    return result;
}

} // namespace awb
