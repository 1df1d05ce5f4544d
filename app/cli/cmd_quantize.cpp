#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/awqformat/awq_export.h"
#include "core/quant/awq_search.h"
#include "core/quant/calibration.h"
#include "core/eval/perplexity.h"
#include "core/store/result_store.h"
#include "core/tokenizer/text_source.h"

#include <chrono>
#include <cstdio>
#include <iostream>

namespace awb::cli {

namespace {
struct QuantizeArgs {
    ModelOptions model;
    std::vector<std::string> calib;
    AwqOptions awq;
    CalibrationOptions calibration;
    std::string method = "awq";
    std::string longSamples = "drop";
    std::string unit = "line";
    std::string feed = "quantized";
    std::string evalText;
    int64_t evalSeqLen = 512;
    std::string applyResults;
    std::string saveResults;
    std::string out;
    bool json = false;
};

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
} // namespace

void addQuantizeCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("quantize", "Quantize a model's linear layers by AWQ (or RTN) and optionally evaluate it");
    auto a = std::make_shared<QuantizeArgs>();
    a->calibration.nBlocks = 128;
    a->model.addTo(cmd);
    cmd->add_option("--calib", a->calib, "calibration sources, comma-separated: text files (a sample per line), .jsonl ({\"text\"}), "
                                          "bundled sets 'wikitext2' / 'tinystories', or 'self' (text sampled from the FP model)")
        ->delimiter(',');
    cmd->add_option("--w-bit", a->awq.quant.wBit, "weight bits, 2..8")->required();
    cmd->add_option("--group-size", a->awq.quant.groupSize, "group size: -1 (per output channel) or a positive multiple of 8")->required();
    cmd->add_flag("--zero-point,!--no-zero-point", a->awq.quant.zeroPoint, "asymmetric with zero point (default) or symmetric");
    cmd->add_option("--method", a->method, "awq or rtn (round-to-nearest baseline, same quantizer)")
        ->check(CLI::IsMember({"awq", "rtn"}))->capture_default_str();
    cmd->add_option("--n-samples", a->calibration.nBlocks, "calibration blocks")->capture_default_str();
    cmd->add_option("--seqlen", a->calibration.seqLen, "tokens per calibration block")->capture_default_str();
    cmd->add_option("--long-samples", a->longSamples, "samples longer than a block: drop (llm-awq) or split into blocks")
        ->check(CLI::IsMember({"drop", "split"}))->capture_default_str();
    cmd->add_option("--calib-unit", a->unit, "a text file's samples: line or paragraph")->check(CLI::IsMember({"line", "paragraph"}))
        ->capture_default_str();
    cmd->add_option("--seed", a->calibration.seed, "seed of self-generated calibration text")->capture_default_str();
    cmd->add_option("--feed", a->feed, "next block's input: fp (llm-awq) or quantized block output")
        ->check(CLI::IsMember({"fp", "quantized"}))->capture_default_str();
    cmd->add_option("--scale-grid", a->awq.scaleGrid, "alpha grid points of the scale search")->capture_default_str();
    cmd->add_flag("--duo-scaling", a->awq.duoScaling, "AutoAWQ duo scaling: s = mean|x|^a / mean|w|^(1-a)");
    cmd->add_flag("--clip-qk", a->awq.clipQueryKey, "also clip-search q_proj and k_proj");
    cmd->add_flag("--no-clip", [a](int64_t) { a->awq.searchClip = false; }, "skip the clip search");
    cmd->add_option("--apply-results", a->applyResults, "apply scales/clips stored by an earlier search (HDF5) instead of searching");
    cmd->add_option("--save-results", a->saveResults, "store scales, clips and search history (HDF5)");
    cmd->add_option("--out", a->out, "also write the quantized model as an AutoAWQ GEMM folder (4 bits; replaced atomically)");
    cmd->add_option("--eval", a->evalText, "text file: report ppl_fp and ppl_q (same protocol as awb eval)");
    cmd->add_option("--eval-seqlen", a->evalSeqLen, "evaluation window")->capture_default_str();
    cmd->add_flag("--json", a->json, "print one JSON object as the last line of stdout");
    cmd->callback([a] {
        const auto start = std::chrono::steady_clock::now();
        a->awq.quant.validate(); // bad settings fail before any work
        if (a->method == "awq" && a->applyResults.empty() && a->calib.empty())
            throw ArgumentError("--calib is required for --method awq (or pass --apply-results)");
        if (!a->out.empty() && a->awq.quant.wBit != 4)
            throw ArgumentError("the AutoAWQ GEMM format stores 4-bit weights only (--w-bit " + std::to_string(a->awq.quant.wBit) +
                                "); see awb export --allow-non-4bit");
        a->calibration.longSamples = a->longSamples == "split" ? LongSamples::Split : LongSamples::Drop;
        a->calibration.unit = a->unit == "paragraph" ? SampleUnit::Paragraph : SampleUnit::Line;
        a->awq.feedQuantized = a->feed == "quantized";
        Model model = a->model.load();
        std::vector<int64_t> evalTokens;
        if (!a->evalText.empty())
            evalTokens = encodeEvalText(*model.tokenizer, checkedFile(a->evalText, "--eval"));
        JobContext job = stderrJob();

        AwqResult result;
        double searchSeconds = 0;
        int64_t calibBlocks = 0;
        if (!a->applyResults.empty()) {
            result = loadAwqResult(a->applyResults);
            if (result.quant.wBit != a->awq.quant.wBit || result.quant.groupSize != a->awq.quant.groupSize ||
                result.quant.zeroPoint != a->awq.quant.zeroPoint)
                throw ArgumentError(a->applyResults + " was searched for " + result.quant.label() + ", not " + a->awq.quant.label());
            logLine("applying " + a->applyResults + " (" + result.method + ", " + result.quant.label() + ")");
        } else if (a->method == "rtn") {
            result.method = "rtn";
            result.quant = a->awq.quant;
            result.modelPath = model.sourcePath;
        } else {
            const CalibrationSet calib = buildCalibrationSet(model, a->calib, a->calibration, &job);
            calibBlocks = calib.blocks.size(0);
            const auto searchStart = std::chrono::steady_clock::now();
            result = runAwqSearch(model, calib.blocks, a->awq, &job);
            searchSeconds = secondsSince(searchStart);
            result.calibrationSummary = calib.summary();
            logLine("AWQ search took " + std::to_string(searchSeconds) + " s");
        }
        if (!a->saveResults.empty()) {
            saveAwqResult(a->saveResults, result);
            logLine("results stored in " + a->saveResults);
        }

        nlohmann::json out = {{"method", result.method}, {"w_bit", result.quant.wBit}, {"group_size", result.quant.groupSize},
                              {"zero_point", result.quant.zeroPoint}, {"seconds_search", searchSeconds},
                              {"calib_blocks", calibBlocks}, {"calib_seqlen", a->calibration.seqLen},
                              {"feed", a->feed}, {"duo_scaling", a->awq.duoScaling}, {"clip_qk", a->awq.clipQueryKey}};
        if (!evalTokens.empty()) {
            PerplexityOptions po;
            po.seqLen = a->evalSeqLen;
            const Model quantized = applyAwqResult(model, result);
            const double pplFp = evaluatePerplexity(model, evalTokens, po, &job).ppl;
            const double pplQ = evaluatePerplexity(quantized, evalTokens, po, &job).ppl;
            out["ppl_fp"] = pplFp;
            out["ppl_q"] = pplQ;
            out["delta_ppl_percent"] = 100.0 * (pplQ / pplFp - 1.0);
            out["eval_tokens"] = static_cast<int64_t>(evalTokens.size());
        }
        if (!a->out.empty()) {
            ExportOptions eo;
            if (out.contains("ppl_q")) {
                eo.pplFp = out["ppl_fp"].get<double>();
                eo.pplQ = out["ppl_q"].get<double>();
                eo.evalText = a->evalText;
            }
            if (result.modelPath.empty())
                result.modelPath = model.sourcePath;
            exportAutoAwq(model, result, a->out, eo, &job);
        }
        out["out"] = a->out.empty() ? nlohmann::json() : nlohmann::json(a->out);
        out["warnings"] = job.warnings();
        out["seconds_total"] = secondsSince(start);
        if (a->json) {
            printJson(out);
            return;
        }
        std::printf("%s %s: search %.1f s", result.method.c_str(), result.quant.label().c_str(), searchSeconds);
        if (out.contains("ppl_q"))
            std::printf(", ppl FP %.4f -> quantized %.4f (%+.2f%%)", out["ppl_fp"].get<double>(), out["ppl_q"].get<double>(),
                        out["delta_ppl_percent"].get<double>());
        std::printf("\n");
    });
}

} // namespace awb::cli
