#include "core/awqformat/awq_export.h"

#include "core/base/atomic_file.h"
#include "core/awqformat/awq_packing.h"
#include "core/base/error.h"
#include "core/io/hf_companion_files.h"
#include "core/io/hf_writer.h"
#include "core/quant/quantizer.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace awb {

namespace {

int64_t roundUp(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

// What the exporter decided for one linear name (the same in every block: all blocks share shapes).
struct LinearPlan {
    std::string name;
    int64_t out = 0, in = 0; // as written (after FFN padding)
    bool quantize = true;
    std::string reason; // why not, when not
};

// vLLM's checks of a layout, per tensor-parallel size: row-parallel layers (o_proj, down_proj)
// split their inputs, so each rank's share must hold whole groups; column-parallel layers split
// their outputs, which must stay whole int32 words (8 codes) per rank.
std::vector<std::string> tensorParallelProblems(const ModelConfig& c, const std::vector<LinearPlan>& plans, int64_t tp,
                                                const QuantConfig& q, int perWord)
{
    std::vector<std::string> problems;
    if (c.nHeads % tp != 0)
        problems.push_back(std::to_string(c.nHeads) + " attention heads do not split over " + std::to_string(tp) + " ranks");
    if (c.nKvHeads % tp != 0 && tp % c.nKvHeads != 0)
        problems.push_back(std::to_string(c.nKvHeads) + " kv heads neither split over nor replicate across " + std::to_string(tp) +
                           " ranks");
    for (const auto& p : plans) {
        if (!p.quantize)
            continue;
        if (p.name == "o_proj" || p.name == "down_proj") {
            const int64_t g = q.groupSize > 0 ? q.groupSize : 1;
            if (p.in % tp != 0 || (p.in / tp) % g != 0)
                problems.push_back(p.name + " in_features/TP = " + std::to_string(p.in) + "/" + std::to_string(tp) +
                                   " is not a multiple of the group size " + std::to_string(q.groupSize));
        } else {
            // k/v heads are replicated (not split) once TP exceeds their number
            int64_t out = p.out;
            if ((p.name == "k_proj" || p.name == "v_proj") && tp > c.nKvHeads)
                out = c.headDim * tp; // each rank then holds one head: out/TP below gives headDim
            if (out % tp != 0 || (out / tp) % perWord != 0)
                problems.push_back(p.name + " out_features/TP = " + std::to_string(out) + "/" + std::to_string(tp) +
                                   " is not a multiple of " + std::to_string(perWord));
        }
    }
    return problems;
}

std::string joined(const std::vector<std::string>& items, const std::string& sep)
{
    std::string s;
    for (size_t i = 0; i < items.size(); ++i)
        s += (i ? sep : "") + items[i];
    return s;
}

} // namespace

void exportAutoAwq(const Model& fp, const AwqResult& result, const std::string& outDir, const ExportOptions& o, JobContext* job)
{
    const QuantConfig& q = result.quant;
    q.validate();
    if (q.wBit != 4) {
        if (!o.allowNon4Bit)
            throw ArgumentError("the AutoAWQ GEMM format stores 4-bit weights only (this result is " + q.label() +
                                "); --allow-non-4bit writes an awb-only packed extension");
        if (32 % q.wBit != 0)
            throw ArgumentError("the awb packed-Nbit extension needs bits that divide 32 (2, 4 or 8), not " + std::to_string(q.wBit));
    }
    if (!result.blocks.empty() && result.blocks.size() != fp.blocks.size())
        throw ShapeError("the AWQ result has " + std::to_string(result.blocks.size()) + " blocks, the model " +
                         std::to_string(fp.blocks.size()));
    if (outDir.empty())
        throw ArgumentError("no output folder given");
    auto log = [&](const std::string& line) {
        if (job)
            job->log(line);
    };
    std::vector<std::string> warnings;
    auto warn = [&](const std::string& message) {
        warnings.push_back(message);
        if (job)
            job->warn(message);
    };

    const ModelConfig& c = fp.config;
    const int perWord = 32 / q.wBit; // codes per int32: 8 for AutoAWQ's 4 bits
    const bool permute = c.rope == RopeStyle::AdjacentPairs;

    // The FFN hidden size is internal to the MLP, so zero padding is exact there (zero gate/up rows
    // -> silu(0) * 0 = 0 activations; zero down columns add nothing). It must hold whole words on
    // gate/up's outputs and whole groups on down's inputs.
    const int64_t hiddenAlign = q.groupSize > 0 ? std::lcm<int64_t>(perWord, q.groupSize) : perWord;
    const int64_t hidden = c.hiddenDim, hiddenPadded = roundUp(hidden, hiddenAlign);
    const bool padded = hiddenPadded != hidden;
    if (padded)
        log("padding the FFN hidden size " + std::to_string(hidden) + " -> " + std::to_string(hiddenPadded) +
            " with zeros (exact) so the format can hold gate/up/down_proj");

    std::vector<LinearPlan> plans;
    for (const std::string& name : hfLinearNames()) {
        LinearPlan p;
        p.name = name;
        std::tie(p.out, p.in) = linearShape(c, name);
        if (name == "gate_proj" || name == "up_proj")
            p.out = hiddenPadded;
        if (name == "down_proj")
            p.in = hiddenPadded;
        plans.push_back(p);
    }
    std::vector<std::string> notConverted;
    for (auto& p : plans) {
        const int64_t g = q.effectiveGroup(p.in);
        if (p.out % perWord != 0)
            p.reason = "out_features " + std::to_string(p.out) + " is not a multiple of " + std::to_string(perWord);
        else if (p.in % g != 0)
            p.reason = "in_features " + std::to_string(p.in) + " is not a multiple of the group size " + std::to_string(g);
        else if (p.name == "down_proj" && padded && q.groupSize <= 0)
            // the one per-channel group would take in the padding zeros, changing min/max: not exact
            p.reason = "per-channel quantization of the zero-padded in_features " + std::to_string(p.in) +
                       " would not reproduce the quantization of the " + std::to_string(hidden) + " real ones";
        p.quantize = p.reason.empty();
        if (!p.quantize) {
            notConverted.push_back(hfLinearRelative(p.name));
            warn(p.name + " stays unquantized (fp16 weight, listed in modules_to_not_convert): " + p.reason);
        }
    }
    // vLLM fuses q/k/v into qkv_proj and gate/up into gate_up_proj, and matches modules_to_not_convert
    // by substring of those fused names; list the fused name too when a whole group stays FP.
    auto allOff = [&](std::initializer_list<const char*> names) {
        for (const char* n : names)
            for (const auto& p : plans)
                if (p.name == n && p.quantize)
                    return false;
        return true;
    };
    auto someOff = [&](std::initializer_list<const char*> names) {
        for (const char* n : names)
            for (const auto& p : plans)
                if (p.name == n && !p.quantize)
                    return true;
        return false;
    };
    if (allOff({"q_proj", "k_proj", "v_proj"}))
        notConverted.push_back("self_attn.qkv_proj");
    else if (someOff({"q_proj", "k_proj", "v_proj"}))
        warn("only some of q/k/v_proj are quantized: vLLM fuses them into qkv_proj and cannot load a mixed group");
    if (allOff({"gate_proj", "up_proj"}))
        notConverted.push_back("mlp.gate_up_proj");

    // vLLM: tensor parallelism and the Marlin kernel (4 bits, zero point, group -1/32/64/128, and
    // per layer out % 64 == 0 and in % 128 == 0 — Marlin's minimum tile; other layers fall back).
    std::vector<std::string> tpNotes;
    for (int64_t tp : {2, 4, 8}) {
        const auto problems = tensorParallelProblems(c, plans, tp, q, perWord);
        if (problems.empty()) {
            tpNotes.push_back("TP " + std::to_string(tp) + ": fits");
        } else {
            tpNotes.push_back("TP " + std::to_string(tp) + ": " + joined(problems, "; "));
            warn("vLLM tensor parallel size " + std::to_string(tp) + " will not load this layout: " + joined(problems, "; "));
        }
    }
    std::string marlinNote;
    {
        const bool groupOk = q.groupSize == -1 || q.groupSize == 32 || q.groupSize == 64 || q.groupSize == 128;
        if (q.wBit != 4 || !groupOk || !q.zeroPoint) {
            marlinNote = "awq_marlin does not apply (it needs 4 bits, a zero point and group -1/32/64/128); vLLM uses its awq kernel";
        } else {
            std::vector<std::string> fallback;
            for (const auto& p : plans)
                if (p.quantize && (p.out % 64 != 0 || p.in % 128 != 0))
                    fallback.push_back(p.name + " [" + std::to_string(p.out) + "x" + std::to_string(p.in) + "]");
            marlinNote = fallback.empty() ? "awq_marlin applies to every quantized layer (vLLM picks it on GPUs of compute capability 8.0+)"
                                          : "awq_marlin applies by settings, but these layers are below Marlin's minimum tile "
                                            "(out % 64, in % 128) and fall back to the awq kernel: " + joined(fallback, ", ");
        }
        log(marlinNote);
    }

    // Norms, embeddings and lm_head keep the source dtype; quantized layers' scales and biases and
    // unconverted weights are fp16, as AutoAWQ writes them.
    const c10::ScalarType srcType = fp.tokEmbedding.scalar_type();
    auto keep = [&](const at::Tensor& t) { return t.to(srcType).contiguous(); };
    auto half = [](const at::Tensor& t) { return t.to(at::kHalf).contiguous(); };

    NamedTensors tensors;
    tensors.emplace_back(kHfEmbedTokens, keep(fp.tokEmbedding));
    const int64_t nLayers = static_cast<int64_t>(fp.blocks.size());
    for (int64_t i = 0; i < nLayers; ++i) {
        if (job)
            job->report(i, nLayers, "export"); // throws Cancelled when asked to stop
        BlockWeights t = transformBlock(blockAsFloat(fp.blocks[i]), result.blocks.empty() ? nullptr : &result.blocks[i]);
        // HF's rotate-half RoPE needs q/k rows permuted; rows are quantized independently (groups run
        // along the input), so permuting before quantizing is exactly the permuted quantized weight.
        if (permute) {
            t.wq = permuteForRotateHalf(t.wq, c.nHeads);
            t.wk = permuteForRotateHalf(t.wk, c.nKvHeads);
            if (t.bq.defined())
                t.bq = permuteForRotateHalf(t.bq, c.nHeads);
            if (t.bk.defined())
                t.bk = permuteForRotateHalf(t.bk, c.nKvHeads);
        }
        if (padded) {
            t.wGate = at::constant_pad_nd(t.wGate, {0, 0, 0, hiddenPadded - hidden});
            t.wUp = at::constant_pad_nd(t.wUp, {0, 0, 0, hiddenPadded - hidden});
            t.wDown = at::constant_pad_nd(t.wDown, {0, hiddenPadded - hidden});
        }
        t.forEachTensor([&](const std::string& relativeName, const at::Tensor& w) {
            if (!w.defined())
                return;
            const std::string name = hfLayerPrefix(i) + relativeName;
            const auto lp = std::find_if(plans.begin(), plans.end(),
                                         [&](const LinearPlan& p) { return relativeName == hfLinearRelative(p.name) + ".weight"; });
            if (lp == plans.end()) { // norms keep the source dtype; biases are fp16 as AutoAWQ writes them
                const bool bias = isHfBias(relativeName);
                tensors.emplace_back(name, bias ? half(w) : keep(w));
                return;
            }
            const std::string prefix = hfLinearPrefix(i, lp->name);
            if (!lp->quantize) {
                tensors.emplace_back(prefix + ".weight", half(w));
                return;
            }
            const QuantizedTensor qt = quantizeWeight(w, q);
            if (qt.codes.size(1) != lp->in)
                throw ShapeError(prefix + ": quantizer padded " + std::to_string(lp->in) + " inputs (internal error)");
            if (q.wBit == 4) {
                tensors.emplace_back(prefix + ".qweight", packAwqQweight(qt.codes));
                tensors.emplace_back(prefix + ".qzeros", packAwqQzeros(qt.zeros));
            } else {
                tensors.emplace_back(prefix + ".qweight", packNbitColumns(qt.codes.t(), q.wBit));
                tensors.emplace_back(prefix + ".qzeros", packNbitColumns(qt.zeros.t(), q.wBit));
            }
            tensors.emplace_back(prefix + ".scales", half(qt.scales.t()));
        });
        releaseMappedPages(fp.blocks[i]);
    }
    tensors.emplace_back(kHfFinalNorm, keep(fp.finalNorm));
    if (!c.tiedEmbeddings)
        tensors.emplace_back(kHfLmHead, keep(fp.lmHead));
    if (job)
        job->report(nLayers, nLayers, "export");

    // config.json: torch_dtype float16 (AWQ kernels compute in fp16; vLLM's awq kernel refuses fp32)
    // unless the source is bf16, which awq_marlin can keep.
    const c10::ScalarType configType = srcType == at::kBFloat16 || fp.config.torchDtype == "bfloat16" ? at::kBFloat16 : at::kHalf;
    nlohmann::ordered_json config = hfConfigJson(fp, configType);
    // hfConfigJson keeps an HF source's torch_dtype; an fp32 one would make vLLM refuse the awq kernel
    config[config.contains("dtype") ? "dtype" : "torch_dtype"] = configType == at::kBFloat16 ? "bfloat16" : "float16";
    config["intermediate_size"] = hiddenPadded;
    nlohmann::ordered_json qc;
    qc["quant_method"] = "awq";
    qc["bits"] = q.wBit;
    qc["group_size"] = q.groupSize;
    qc["zero_point"] = q.zeroPoint;
    qc["version"] = "gemm";
    qc["modules_to_not_convert"] = notConverted.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(notConverted);
    if (q.wBit != 4)
        qc["awb_extension"] = "packed-" + std::to_string(q.wBit) + "bit";
    config["quantization_config"] = qc;

    // The model card.
    std::ostringstream card;
    const std::string srcName = torchDtypeName(srcType);
    card << "---\nlibrary_name: transformers\ntags:\n- awq\n- 4-bit\n---\n\n";
    card << "# " << fs::path(fp.sourcePath).filename().string() << " — " << (result.method == "rtn" ? "RTN" : "AWQ") << " "
         << q.label() << "\n\n";
    card << "Written by AWQ Workbench (awb) in the AutoAWQ GEMM layout (`quant_method: awq`, `version: gemm`).\n\n";
    card << "## Quantization\n\n";
    card << "- method: " << (result.method == "rtn" ? "round-to-nearest (no activation-aware search)" : "AWQ (activation-aware scale and clip search)")
         << "\n- w_bit: " << q.wBit << "\n- group size: "
         << (q.groupSize > 0 ? std::to_string(q.groupSize) : std::string("-1 (one group per output channel; AutoAWQ reads it as in_features)"))
         << "\n- zero point: "
         << (q.zeroPoint ? "yes (asymmetric)" : "no (symmetric; stored with every zero point = " + std::to_string(1 << (q.wBit - 1)) +
                                                   ", since the layout always carries qzeros)")
         << "\n- source model: `" << fp.sourcePath << "` (" << fp.sourceFormat << ", " << srcName << ")\n";
    if (!result.modelPath.empty() && result.modelPath != fp.sourcePath)
        card << "- result searched on: `" << result.modelPath << "`\n";
    if (result.method != "rtn")
        card << "- calibration: "
             << (result.calibrationSummary.empty() ? std::to_string(result.calibrationBlocks) + " blocks x " +
                                                         std::to_string(result.calibrationSeqLen) + " tokens (source not recorded)"
                                                   : result.calibrationSummary)
             << "\n";
    if (q.wBit != 4)
        card << "- **awb extension**: " << q.wBit << "-bit codes packed " << perWord
             << " per int32 in natural column order (`awb_extension: packed-" << q.wBit
             << "bit`). No AutoAWQ/vLLM kernel reads this; only awb imports it.\n";
    card << "\n## Layout notes\n\n";
    if (padded)
        card << "- The FFN hidden size was zero-padded from " << hidden << " to " << hiddenPadded
             << " (`intermediate_size` says " << hiddenPadded
             << "): zero gate/up rows and zero down_proj columns, which leaves the function unchanged.\n";
    if (notConverted.empty())
        card << "- Every linear layer of every block is quantized.\n";
    for (const auto& p : plans)
        if (!p.quantize)
            card << "- `" << hfLinearRelative(p.name) << "` stays unquantized (fp16 `.weight` of the "
                 << (result.blocks.empty() ? "FP weight" : "AWQ-scaled and clipped FP weight") << "): " << p.reason << ".\n";
    if (srcType == at::kFloat)
        card << "- Embeddings, norms and lm_head are stored in float32 as in the source (AutoAWQ normally stores them in fp16; "
                "loaders cast them to `torch_dtype`, float16).\n";
    else
        card << "- Embeddings, norms and lm_head are stored in " << srcName << " as in the source.\n";
    if (srcType == at::kBFloat16)
        card << "- The source is bf16 but the format's scales are fp16 (AutoAWQ's layout); vLLM's plain `awq` kernel "
                "computes in fp16 only (`--dtype float16`), awq_marlin also runs bf16.\n";
    if (permute)
        card << "- q_proj/k_proj rows were permuted from llama2.c's adjacent-pair RoPE to Hugging Face's rotate-half order "
                "before quantization (rows quantize independently, so this is exact).\n";
    card << "\n## vLLM\n\n- " << marlinNote << "\n";
    for (const auto& n : tpNotes)
        card << "- tensor parallel " << n.substr(3) << "\n";
    if (o.pplFp || o.pplQ) {
        card << "\n## Measured drift\n\n";
        if (!o.evalText.empty())
            card << "Perplexity on `" << o.evalText << "` (awb eval protocol: BOS-prefixed windows of the eval text):\n\n";
        auto fixed = [](double v, const char* format) {
            char text[64];
            std::snprintf(text, sizeof text, format, v);
            return std::string(text);
        };
        if (o.pplFp)
            card << "- FP: " << fixed(*o.pplFp, "%.4f") << "\n";
        if (o.pplQ)
            card << "- quantized (in memory, fp32 scales): " << fixed(*o.pplQ, "%.4f") << "\n";
        if (o.pplFp && o.pplQ)
            card << "- change: " << fixed(100.0 * (*o.pplQ / *o.pplFp - 1.0), "%+.2f") << "%\n";
        card << "\nThis folder stores the scales in fp16, which moves the figure by well under 0.5%.\n";
    }
    if (!warnings.empty()) {
        card << "\n## Warnings at export\n\n";
        for (const auto& w : warnings)
            card << "- " << w << "\n";
    }

    if (job)
        job->checkCancelled();
    AtomicDirectory out(outDir);
    writeSafetensorsShards(out.path(), tensors, o.maxShardBytes);
    if (job)
        job->checkCancelled();
    writeFileAtomic(out.path() + "/config.json", config.dump(2) + "\n");
    writeHfCompanionFiles(fp, out.path()); // tokenizer, its settings, chat template, generation config
    writeFileAtomic(out.path() + "/README.md", card.str());
    out.commit();
    log("wrote " + outDir);
}

} // namespace awb
