#include "core/quant/awq_search.h"

#include "core/base/error.h"
#include "core/base/mapped_file.h"
#include "core/quant/quantizer.h"
#include "core/base/runtime.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <chrono>
#include <cmath>
#include <functional>
#include <numeric>
#include <optional>

namespace awb {

namespace {

// Applies fn to windows [begin, end) of x in chunks; the results go into one output tensor (a list
// of parts joined by at::cat would hold the whole output twice).
at::Tensor chunked(const at::Tensor& x, int64_t chunk, const std::function<at::Tensor(const at::Tensor&)>& fn)
{
    at::Tensor out;
    for (int64_t b = 0; b < x.size(0); b += chunk) {
        const int64_t e = std::min(x.size(0), b + chunk);
        at::Tensor part = fn(x.slice(0, b, e));
        if (e - b == x.size(0))
            return part;
        if (!out.defined()) {
            std::vector<int64_t> sizes = part.sizes().vec();
            sizes[0] = x.size(0);
            out = at::empty(sizes, part.options());
        }
        out.slice(0, b, e).copy_(part);
    }
    return out;
}

// A module of a block as the loss sees it: weights and input -> a new output tensor.
using ModuleFn = std::function<at::Tensor(const BlockWeights&, const at::Tensor&)>;

// Sum of squared differences between module(w, chunk) and the matching chunk of reference (not yet
// divided by numel, so the sums of disjoint windows add up). The difference is formed in the
// module's (new) output, so no second output-sized temporary exists.
double chunkedSquaredError(const ModuleFn& module, const BlockWeights& w, const at::Tensor& x, const at::Tensor& reference, int64_t chunk)
{
    double sum = 0;
    for (int64_t b = 0; b < x.size(0); b += chunk) {
        const int64_t e = std::min(x.size(0), b + chunk);
        at::Tensor d = module(w, x.slice(0, b, e));
        d.sub_(reference.slice(0, b, e));
        sum += d.pow_(2).sum().item<double>();
    }
    return sum;
}

// Scale search for linears sharing `input`: loss of module(weights with scaled pseudo-quantized
// linears) against the FP output, on a grid of alpha. A trial replaces only the group's linears in
// a shallow copy of fp, so it costs the group's weights, not a block.
// With o.scaleScreenEvery = n > 1, every alpha is first ranked on every n-th window only, and just
// alpha 0 and the o.scaleScreenKeep best-ranked ones get the loss on every window; the others' loss
// is NaN. The choice equals the full search's whenever its best alpha is among those kept.
ScaleSearch searchScale(const std::string& prevOp, const std::vector<std::string>& linears, const BlockWeights& fp,
                        const at::Tensor& input, const at::Tensor& fpOut, const AwqOptions& o, int64_t chunk, const ModuleFn& module)
{
    ScaleSearch r;
    r.prevOp = prevOp;
    r.linears = linears;
    r.activationMean = input.abs().reshape({-1, input.size(-1)}).mean(0);
    at::Tensor weightMean;
    if (o.scaling == AwqScaling::Duo) {
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
    const int grid = o.scaleGrid;
    auto scalesAt = [&](int i) {
        const double alpha = static_cast<double>(i) / grid;
        at::Tensor s = o.scaling == AwqScaling::Duo ? (r.activationMean.pow(alpha) / weightMean.pow(1 - alpha).clamp_min(1e-4)).clamp_min(1e-4)
                                                    : r.activationMean.pow(alpha).clamp_min(1e-4);
        return s / (s.max() * s.min()).sqrt();
    };
    auto trialAt = [&](const at::Tensor& s) {
        BlockWeights trial = fp;
        for (const auto& n : linears) {
            at::Tensor* w = &trial.linear(n);
            *w = pseudoQuantizeScaled(*w, s, o.quant);
        }
        return trial;
    };
    const int64_t windows = input.size(0);
    const int64_t every = o.scaleScreenEvery > 1 && windows >= o.scaleScreenEvery ? o.scaleScreenEvery : 1;
    // the windows offset, offset + every, ... (every window when not screening)
    auto squaredError = [&](const BlockWeights& trial, int64_t offset) {
        return chunkedSquaredError(module, trial, input.slice(0, offset, windows, every), fpOut.slice(0, offset, windows, every), chunk);
    };
    // Every alpha on the first window class (all windows when not screening) ...
    std::vector<double> sums(static_cast<size_t>(grid));
    for (int i = 0; i < grid; ++i)
        sums[static_cast<size_t>(i)] = squaredError(trialAt(scalesAt(i)), 0);
    // ... and, when screening, alpha 0 and the best ranked also on the other classes; the rest stay NaN.
    std::vector<bool> full(static_cast<size_t>(grid), every == 1);
    if (every > 1) {
        std::vector<int> order(static_cast<size_t>(grid));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return sums[size_t(a)] < sums[size_t(b)]; });
        full[0] = true; // alpha 0 (RTN) is the reference every search reports
        for (int k = 0; k < std::min(grid, o.scaleScreenKeep); ++k)
            full[static_cast<size_t>(order[static_cast<size_t>(k)])] = true;
        for (int i = 0; i < grid; ++i)
            if (full[static_cast<size_t>(i)]) {
                const BlockWeights trial = trialAt(scalesAt(i));
                for (int64_t offset = 1; offset < every; ++offset)
                    sums[static_cast<size_t>(i)] += squaredError(trial, offset);
            }
    }
    const double numel = static_cast<double>(fpOut.numel());
    std::vector<float> alphas, losses;
    double bestLoss = std::numeric_limits<double>::infinity();
    int best = 0;
    for (int i = 0; i < grid; ++i) {
        const double loss = full[static_cast<size_t>(i)] ? sums[static_cast<size_t>(i)] / numel : std::numeric_limits<double>::quiet_NaN();
        alphas.push_back(static_cast<float>(static_cast<double>(i) / grid));
        losses.push_back(static_cast<float>(loss));
        if (loss < bestLoss) { // NaN (not evaluated) never is
            bestLoss = loss;
            best = i;
        }
    }
    if (!std::isfinite(bestLoss))
        throw Error("AWQ scale search for " + prevOp + " found no finite loss (NaN activations?)");
    r.fpLoss = sums[0] / numel; // alpha 0 gives s = 1: plain RTN of the group
    r.bestAlpha = static_cast<double>(best) / grid;
    r.scales = scalesAt(best);
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
            at::Tensor q = groupView(pseudoQuantizeClipped(wb, maxVal.squeeze(-1), perGroup), group);
            at::Tensor out = at::matmul(xg, q.permute({1, 2, 0}));
            at::Tensor err = out.sub_(fpOut).pow_(2).mean(1).transpose(0, 1).unsqueeze(-1); // [out, G, 1]
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

// Every (n/samples)-th token, as llm-awq samples clip inputs, divided by the group's scales (when
// searched) as llm-awq's apply_scale divides the inputs. Always a copy, so the capture it came from
// can be freed.
at::Tensor clipSample(const at::Tensor& x, int64_t samples, const at::Tensor& scales)
{
    at::Tensor flat = x.reshape({-1, x.size(-1)});
    const int64_t step = std::max<int64_t>(1, flat.size(0) / samples);
    at::Tensor sample = flat.slice(0, 0, flat.size(0), step);
    return scales.defined() ? sample / scales : sample.clone();
}

// The q/k clips of searchClip each minimise their own linear's output error, but q/k error reaches
// the block only through the attention scores. Keeps the share t of their clipping (clip at
// max|w| * (1 + t (ratio - 1)), t = 0, 1/4, ..., 1; 0 is no clip) whose attention output, with q and
// k pseudo-quantized and the rest as searched, is closest to the FP block's on `windows` (whole
// calibration windows, the attention input divided by the q/k/v scales). Returns the t kept.
double keepQkClipByAttention(const ModelConfig& c, const RopeTable& rope, const BlockWeights& scaled, const at::Tensor& windows,
                             const at::Tensor& fpAttnOut, const QuantConfig& quant, ClipSearch& q, ClipSearch& k)
{
    constexpr int kSteps = 4;
    auto atShare = [](const ClipSearch& clip, double t) {
        ClipSearch r = clip;
        r.ratio = 1.0 + t * (clip.ratio - 1.0);
        r.maxVal = clip.maxVal / clip.ratio.clamp_min(1e-12) * r.ratio;
        return r;
    };
    double bestLoss = std::numeric_limits<double>::infinity(), bestT = 1;
    for (int i = 0; i <= kSteps; ++i) {
        const double t = static_cast<double>(i) / kSteps;
        BlockAwqResult clipsOnly;
        clipsOnly.clips = {atShare(q, t), atShare(k, t)};
        BlockWeights trial = transformBlock(scaled, &clipsOnly);
        trial.wq = pseudoQuantize(trial.wq, quant);
        trial.wk = pseudoQuantize(trial.wk, quant);
        const double loss = (selfAttention(c, rope, trial, windows) - fpAttnOut).pow(2).mean().item<double>();
        if (loss < bestLoss) {
            bestLoss = loss;
            bestT = t;
        }
    }
    q = atShare(q, bestT);
    k = atShare(k, bestT);
    return bestT;
}

// One block's search on input x: scale groups against the FP block's outputs on x, the scales
// folded in, then clips on the scaled weights. Numerically the loop body of every feed mode.
struct BlockSearch {
    BlockAwqResult result;
    BlockWeights scaled; // fp with the scales folded in, clips not yet applied
    at::Tensor fpOutput; // the FP block's output on x (only when asked: the FP feed's next input)
};

BlockSearch searchBlock(const ModelConfig& c, const RopeTable& rope, BlockWeights fp, const at::Tensor& x, const AwqOptions& o,
                        int64_t chunk, bool wantFpOutput, const std::function<void(int, const char*)>& report, JobContext* job)
{
    BlockAwqResult br;
    // Searches one group against the FP block and returns its scales (undefined when scales are
    // not searched); br.scales keeps llm-awq's group order.
    auto searchGroup = [&](const std::string& prevOp, const std::vector<std::string>& linears, const at::Tensor& input,
                           const at::Tensor& fpOut, const ModuleFn& module) {
        if (!o.searchScales)
            return at::Tensor();
        br.scales.push_back(searchScale(prevOp, linears, fp, input, fpOut, o, chunk, module));
        return br.scales.back().scales;
    };
    at::Tensor attnSample, oSample, mlpSample, downSample; // clip-search inputs
    at::Tensor qkWindows, qkFpOut; // clipQueryKeyByAttention: whole windows of the attention input and the FP attention output
    at::Tensor h;                                          // the residual stream after attention
    {
        const at::Tensor attnIn = rmsNorm(x, fp.attnNorm, c.normEps);
        const at::Tensor oIn = chunked(attnIn, chunk, [&](const at::Tensor& xn) {
            return attentionContext(c, rope, applyLinear(xn, fp.wq, fp.bq), applyLinear(xn, fp.wk, fp.bk), applyLinear(xn, fp.wv, fp.bv));
        });
        const at::Tensor attnOut = applyLinear(oIn, fp.wo);
        report(1, "scale search");
        const at::Tensor qkvScales = searchGroup("input_layernorm", {"q_proj", "k_proj", "v_proj"}, attnIn, attnOut,
                                                 [&](const BlockWeights& w, const at::Tensor& xn) { return selfAttention(c, rope, w, xn); });
        attnSample = clipSample(attnIn, o.clipSampleTokens, qkvScales);
        if (o.clipQueryKeyByAttention) {
            // whole windows, ~4 x clipSampleTokens tokens: attention needs every position of a window
            const int64_t n = std::min(x.size(0), std::max<int64_t>(1, 4 * o.clipSampleTokens / x.size(1)));
            qkWindows = qkvScales.defined() ? attnIn.slice(0, 0, n) / qkvScales : attnIn.slice(0, 0, n).clone();
            qkFpOut = attnOut.slice(0, 0, n).clone();
        }
        at::Tensor oScales;
        if (fp.wv.size(0) == fp.wo.size(1)) // llm-awq scales o by v only where their shapes match (no GQA)
            oScales = searchGroup("v_proj", {"o_proj"}, oIn, attnOut,
                                  [](const BlockWeights& w, const at::Tensor& in) { return applyLinear(in, w.wo); });
        oSample = clipSample(oIn, o.clipSampleTokens, oScales);
        h = x + attnOut;
    }
    BlockSearch out;
    {
        at::Tensor mlpIn = rmsNorm(h, fp.ffnNorm, c.normEps);
        const at::Tensor mlpOut = chunked(mlpIn, chunk, [&](const at::Tensor& xn) { return feedForward(fp, xn); });
        // the FP feed needs only the block output from the residual; the quantized feed, nothing
        if (wantFpOutput)
            out.fpOutput = h + mlpOut;
        h.reset();
        mlpSample = clipSample(mlpIn, o.clipSampleTokens,
                               searchGroup("post_attention_layernorm", {"gate_proj", "up_proj"}, mlpIn, mlpOut,
                                           [](const BlockWeights& w, const at::Tensor& xn) { return feedForward(w, xn); }));
        // down_proj's input, the largest capture, exists only for its own group's search
        const at::Tensor downIn = chunked(mlpIn, chunk, [&](const at::Tensor& xn) { return mlpHidden(fp, xn); });
        mlpIn.reset();
        downSample = clipSample(downIn, o.clipSampleTokens,
                                searchGroup("up_proj", {"down_proj"}, downIn, mlpOut,
                                            [](const BlockWeights& w, const at::Tensor& in) { return applyLinear(in, w.wDown); }));
    }
    if (job)
        job->checkCancelled();

    // The scales folded in (br holds no clips yet), each fp tensor freed as its scaled one exists:
    // the clip search works on the scaled weights with the correspondingly scaled inputs.
    out.scaled = transformBlock(std::move(fp), &br);
    if (o.searchClip) {
        report(2, "clip search");
        const BlockWeights& scaled = out.scaled;
        if (o.clipQueryKey || o.clipQueryKeyByAttention) {
            ClipSearch q = searchClip("q_proj", scaled.wq, attnSample, o), k = searchClip("k_proj", scaled.wk, attnSample, o);
            if (o.clipQueryKeyByAttention) {
                const double t = keepQkClipByAttention(c, rope, scaled, qkWindows, qkFpOut, o.quant, q, k);
                if (job)
                    job->log("q/k clip: " + std::to_string(static_cast<int>(t * 100)) + "% of the per-linear clipping kept by the attention loss");
            }
            br.clips.push_back(std::move(q));
            br.clips.push_back(std::move(k));
        }
        br.clips.push_back(searchClip("v_proj", scaled.wv, attnSample, o));
        br.clips.push_back(searchClip("o_proj", scaled.wo, oSample, o));
        br.clips.push_back(searchClip("gate_proj", scaled.wGate, mlpSample, o));
        br.clips.push_back(searchClip("up_proj", scaled.wUp, mlpSample, o));
        br.clips.push_back(searchClip("down_proj", scaled.wDown, downSample, o));
    }
    out.result = std::move(br);
    return out;
}

// The pseudo-quantized block of a search: its clips on top of the folded scales, the same steps as
// transformBlock(fp, &result).
BlockWeights quantizedBlock(BlockSearch&& s, const QuantConfig& quant)
{
    BlockAwqResult clipsOnly;
    clipsOnly.clips = s.result.clips;
    return pseudoQuantizeBlock(transformBlock(std::move(s.scaled), &clipsOnly), quant);
}

double mse(const at::Tensor& a, const at::Tensor& b)
{
    return (a - b).pow(2).mean().item<double>();
}

} // namespace

const char* feedName(AwqFeed feed)
{
    switch (feed) {
    case AwqFeed::Fp:
        return "fp";
    case AwqFeed::Quantized:
        return "quantized";
    case AwqFeed::Auto:
        return "auto";
    case AwqFeed::Best:
        return "best";
    }
    return "?";
}

namespace {

constexpr int64_t kStepsPerBlock = 3; // progress steps of one block's search: capture, scale search, clip search

// Mean next-token NLL of the model whose last block's output on the calibration windows is h.
double calibrationNll(const Model& model, const at::Tensor& h, const at::Tensor& calibration, int64_t chunk)
{
    double nll = 0;
    for (int64_t b = 0; b < h.size(0); b += chunk) {
        const int64_t e = std::min(h.size(0), b + chunk);
        const at::Tensor logProbs = at::log_softmax(outputLogits(model, h.slice(0, b, e).slice(1, 0, -1)), -1);
        nll -= logProbs.gather(-1, calibration.slice(0, b, e).slice(1, 1).unsqueeze(-1)).to(at::kDouble).sum().item<double>();
    }
    return nll / static_cast<double>(calibration.size(0) * (calibration.size(1) - 1));
}

// One whole search with a fixed or per-block (auto) feed; pass/passes place its progress in a
// longer job (best: two searches).
AwqResult searchModel(const Model& model, const at::Tensor& calibration, const AwqOptions& o, JobContext* job, int pass, int passes)
{
    const ModelConfig& c = model.config;
    const int64_t T = calibration.size(1);
    // A chunk's activations are the transient memory of every forward pass of the search; at a large
    // model's width the window count alone would let them reach hundreds of MB.
    const int64_t windowBytes = T * std::max(c.dim, c.hiddenDim) * static_cast<int64_t>(sizeof(float));
    const int64_t chunk = std::max<int64_t>(1, std::min(o.windowsPerChunk, o.chunkBytes / windowBytes));
    RopeTable rope(c, T);
    AwqResult result;
    result.method = "awq";
    result.quant = o.quant;
    result.modelPath = model.sourcePath;
    result.calibrationBlocks = calibration.size(0);
    result.calibrationSeqLen = T;
    result.feed = feedName(o.feed);
    result.scaling = scalingName(o.scaling);

    for (const char* name : {"down_proj"}) {
        const int64_t in = c.hiddenDim, g = o.quant.effectiveGroup(in);
        if (job && in % g != 0)
            job->log(std::string(name) + ": " + std::to_string(in) + " inputs are not a multiple of the group size " +
                     std::to_string(g) + "; the last group is zero-padded to " + std::to_string((in + g - 1) / g * g) +
                     " (exact for the function)");
    }

    at::NoGradGuard noGrad;
    at::Tensor x = embedTokens(model, calibration);
    releaseMappedPages(model.tokEmbedding); // not read again by the search (131 MB at TinyLlama's shape)
    const int64_t nBlocks = c.nLayers;
    const bool autoFeed = o.feed == AwqFeed::Auto;
    // Auto: the windows whose block loss decides between the feeds are not searched on (a search
    // would fit them), unless there are too few windows to spare any.
    at::Tensor searchIdx, heldIdx;
    if (autoFeed) {
        const int64_t n = calibration.size(0);
        std::vector<int64_t> searched, held;
        for (int64_t w = 0; w < n; ++w)
            (o.autoHoldoutEvery > 1 && n >= o.autoHoldoutEvery && w % o.autoHoldoutEvery == o.autoHoldoutEvery - 1 ? held : searched).push_back(w);
        if (held.empty())
            held = searched; // in-sample choice
        searchIdx = at::tensor(searched, at::kLong);
        heldIdx = at::tensor(held, at::kLong);
    }
    at::Tensor xFp; // auto: the FP model's activations, the reference the held-out block loss compares with
    at::Tensor xQ;  // fp feed: the quantized model's activations (equal to x before the first block),
                    // for the calibration loss at the end
    if (o.feed == AwqFeed::Fp)
        xQ = x;
    // Peak memory: each capture ([n, T, dim] fp32, 67 MB for 16x512 tokens at TinyLlama's shape;
    // down_proj's input 185 MB) lives only while its group is searched, and the block is upcast once
    // and then transformed in place of its tensors. Auto keeps a second stream (xFp) and searches twice.
    for (int64_t i = 0; i < nBlocks; ++i) {
        const auto start = std::chrono::steady_clock::now();
        const std::string where = "block " + std::to_string(i + 1) + "/" + std::to_string(nBlocks);
        releaseFreeMemory(); // the previous block's temporaries, so free fragments do not add up block by block
        auto report = [&](int step, const char* stage) {
            if (job)
                job->report((pass * nBlocks + i) * kStepsPerBlock + step, passes * nBlocks * kStepsPerBlock,
                            (passes > 1 ? "feed " + result.feed + ", " : std::string()) + where + ": " + stage);
        };
        report(0, "capture");
        BlockWeights fp = blockAsFloat(model.blocks[i]);
        if (model.blocks[i].wq.scalar_type() != at::kFloat)
            releaseMappedPages(model.blocks[i]); // upcast into a copy: the mapped pages are not read again

        BlockAwqResult br;
        if (!autoFeed) {
            const bool feedQuantized = o.feed == AwqFeed::Quantized;
            BlockSearch s = searchBlock(c, rope, std::move(fp), x, o, chunk, !feedQuantized, report, job);
            br = s.result;
            at::Tensor fpOutput = std::move(s.fpOutput);
            const BlockWeights q = quantizedBlock(std::move(s), o.quant);
            at::Tensor& quantizedStream = feedQuantized ? x : xQ;
            quantizedStream = chunked(quantizedStream, chunk, [&](const at::Tensor& xc) { return blockForward(c, rope, q, xc); });
            if (!feedQuantized)
                x = std::move(fpOutput);
        } else {
            // Two candidates: searched on the quantized model's activations (x) or on the FP model's
            // (xFp; the same as x before the first block). The one whose quantized block, run on the
            // quantized stream, lands closer to the FP block's output on the held-out windows wins:
            // the error the next block and the logits will see.
            const bool streamsEqual = !xFp.defined();
            if (streamsEqual)
                xFp = x;
            const at::Tensor target = chunked(xFp.index_select(0, heldIdx), chunk, [&](const at::Tensor& xc) { return blockForward(c, rope, fp, xc); });
            const at::Tensor xHeld = x.index_select(0, heldIdx);
            auto heldLoss = [&](const BlockWeights& q) {
                return mse(chunked(xHeld, chunk, [&](const at::Tensor& xc) { return blockForward(c, rope, q, xc); }), target);
            };
            BlockSearch onQuantized = searchBlock(c, rope, fp, x.index_select(0, searchIdx), o, chunk, false, report, job);
            br = onQuantized.result;
            BlockWeights q = quantizedBlock(std::move(onQuantized), o.quant);
            br.feed = "quantized";
            br.heldOutLossQuantized = heldLoss(q);
            br.heldOutLossFp = br.heldOutLossQuantized;
            if (!streamsEqual) {
                BlockSearch onFp = searchBlock(c, rope, fp, xFp.index_select(0, searchIdx), o, chunk, false, report, job);
                BlockAwqResult fpResult = onFp.result;
                BlockWeights qFp = quantizedBlock(std::move(onFp), o.quant);
                br.heldOutLossFp = heldLoss(qFp);
                if (br.heldOutLossFp < br.heldOutLossQuantized) { // ties keep the quantized feed
                    fpResult.heldOutLossQuantized = br.heldOutLossQuantized;
                    fpResult.heldOutLossFp = br.heldOutLossFp;
                    fpResult.feed = "fp";
                    br = std::move(fpResult);
                    q = std::move(qFp);
                }
            }
            if (job)
                job->log(where + ": feed " + br.feed + " (held-out block loss quantized " + std::to_string(br.heldOutLossQuantized) +
                         ", fp " + std::to_string(br.heldOutLossFp) + ")");
            x = chunked(x, chunk, [&](const at::Tensor& xc) { return blockForward(c, rope, q, xc); });
            xFp = chunked(xFp, chunk, [&](const at::Tensor& xc) { return blockForward(c, rope, fp, xc); });
        }
        releaseMappedPages(model.blocks[i]);
        br.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (job)
            job->log(where + " searched in " + std::to_string(br.seconds) + " s");
        result.blocks.push_back(std::move(br));
    }
    result.calibrationNll = calibrationNll(model, xQ.defined() ? xQ : x, calibration, chunk);
    if (job)
        job->log("feed " + result.feed + ": quantized model's calibration perplexity " + std::to_string(std::exp(result.calibrationNll)));
    return result;
}

} // namespace

AwqFeed feedFromName(const std::string& name)
{
    for (AwqFeed f : {AwqFeed::Fp, AwqFeed::Quantized, AwqFeed::Auto, AwqFeed::Best})
        if (name == feedName(f))
            return f;
    throw ArgumentError("--feed must be fp, quantized, auto or best, got " + name);
}

const char* scalingName(AwqScaling scaling)
{
    switch (scaling) {
    case AwqScaling::Activation:
        return "activation";
    case AwqScaling::Duo:
        return "duo";
    case AwqScaling::Best:
        return "best";
    }
    return "?";
}

AwqScaling scalingFromName(const std::string& name)
{
    for (AwqScaling s : {AwqScaling::Activation, AwqScaling::Duo, AwqScaling::Best})
        if (name == scalingName(s))
            return s;
    throw ArgumentError("--scaling must be activation, duo or best, got " + name);
}

void checkAwqOptions(const AwqOptions& o)
{
    if (o.scaleGrid < 1)
        throw ArgumentError("--scale-grid must be at least 1, got " + std::to_string(o.scaleGrid));
    if (o.scaleScreenEvery < 0)
        throw ArgumentError("--scale-screen must be 0 (off) or a window stride, got " + std::to_string(o.scaleScreenEvery));
    if (o.scaleScreenEvery > 1 && o.scaleScreenKeep < 1)
        throw ArgumentError("--scale-keep must be at least 1, got " + std::to_string(o.scaleScreenKeep));
}

AwqResult runAwqSearch(const Model& model, const at::Tensor& calibration, const AwqOptions& o, JobContext* job)
{
    o.quant.validate();
    checkAwqOptions(o);
    if (calibration.dim() != 2 || calibration.size(0) == 0)
        throw ArgumentError("the calibration set is empty");
    // Every search the options ask for (best: each choice), in this order; the one whose quantized
    // model has the lowest calibration perplexity is kept, a later one on ties.
    std::vector<AwqOptions> searches;
    for (AwqScaling scaling : {AwqScaling::Activation, AwqScaling::Duo})
        for (AwqFeed feed : {AwqFeed::Fp, AwqFeed::Quantized, AwqFeed::Auto}) {
            const bool feedAsked = o.feed == feed || (o.feed == AwqFeed::Best && feed != AwqFeed::Auto);
            if (feedAsked && (o.scaling == scaling || o.scaling == AwqScaling::Best)) {
                searches.push_back(o);
                searches.back().feed = feed;
                searches.back().scaling = scaling;
            }
        }
    const int n = static_cast<int>(searches.size());
    std::optional<AwqResult> kept;
    std::string tried;
    for (int i = 0; i < n; ++i) {
        AwqResult r = searchModel(model, calibration, searches[static_cast<size_t>(i)], job, i, n);
        tried += (i ? ", " : "") + r.feed + "/" + r.scaling + " " + std::to_string(std::exp(r.calibrationNll));
        if (!kept || r.calibrationNll <= kept->calibrationNll)
            kept = std::move(r);
    }
    const int64_t steps = model.config.nLayers * kStepsPerBlock * n;
    if (job) {
        job->report(steps, steps, "done");
        if (n > 1)
            job->log("kept feed " + kept->feed + ", scaling " + kept->scaling + " (calibration perplexity " + tried + ")");
    }
    return std::move(*kept);
}

} // namespace awb
