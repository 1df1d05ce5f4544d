#include "core/jobs/quantize_job.h"

#include "core/awqformat/awq_export.h"
#include "core/awqformat/bits_per_weight.h"
#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/jobs/input_checks.h"
#include "core/quant/awq_result.h"
#include "core/store/result_store.h"
#include "core/tokenizer/text_source.h"

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

namespace awb {

namespace {
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

const char* kFourBitsOnly = "the AutoAWQ GEMM format stores 4-bit weights only; write other bits with awb export --allow-non-4bit";
} // namespace

std::vector<std::string> checkQuantizeOptions(const QuantizeJobOptions& o)
{
    const bool searchGiven = !o.calibration.empty() || o.calibrationOptions || o.search;
    if (!o.applyResultsPath.empty()) {
        if (o.method)
            throw ArgumentError("--method does not apply with --apply-results: the stored result says how it was made");
        if (searchGiven)
            throw ArgumentError("--apply-results re-applies a stored search: calibration and search options "
                                "(--calib, --n-samples, --seqlen, --feed, ...) do not apply");
        requireReadableFile(o.applyResultsPath, "--apply-results");
    } else {
        const QuantConfig q = o.quant.complete();
        if (o.method == QuantMethod::Rtn && searchGiven)
            throw ArgumentError("--method rtn does not calibrate or search: --calib and the search options do not apply");
        if (o.method.value_or(QuantMethod::Awq) == QuantMethod::Awq) {
            if (o.calibration.empty())
                throw ArgumentError("--calib is required for --method awq (or pass --apply-results)");
            for (const auto& source : o.calibration)
                if (source != "self")
                    requireReadableFile(resolveCalibrationSource(source), "--calib");
        }
        if (!o.outDir.empty() && q.wBit != 4)
            throw ArgumentError(std::string(kFourBitsOnly) + " (--w-bit " + std::to_string(q.wBit) + ")");
        if (o.search)
            checkAwqOptions(*o.search);
    }
    if (!o.evalTextPath.empty())
        requireReadableFile(o.evalTextPath, "--eval");
    if (!o.saveResultsPath.empty())
        requireWritableFileTarget(o.saveResultsPath, "--save-results");
    if (!o.outDir.empty())
        requireWritableFolderTarget(o.outDir, "--out");
    if (o.maxShardBytes < 0)
        throw ArgumentError("--max-shard-mb must not be negative");
    std::vector<std::string> warnings;
    if (o.evalTextPath.empty() && o.saveResultsPath.empty() && o.outDir.empty())
        warnings.push_back("nothing keeps this result: pass --save-results, --out or --eval");
    return warnings;
}

QuantizeJobResult runQuantizeJob(const QuantizeJobOptions& o, JobContext& job)
{
    const auto start = Clock::now();
    for (const auto& w : checkQuantizeOptions(o))
        job.warn(w);
    QuantizeJobResult r;
    if (!o.applyResultsPath.empty()) { // the small file first: its settings may conflict
        withErrorContext(o.applyResultsPath, [&] { r.result = loadAwqResult(o.applyResultsPath); });
        o.quant.agreeWith(r.result.quant, o.applyResultsPath);
        if (!o.outDir.empty() && r.result.quant.wBit != 4)
            throw ArgumentError(std::string(kFourBitsOnly) + " (" + o.applyResultsPath + " is " + r.result.quant.label() + ")");
        r.source = o.applyResultsPath;
    }

    const Model model = o.model.load();
    // BLAS on every core for a large model (the search is GEMM-bound): at the 135M shape, 4 blocks,
    // 155 s with libtorch on 2 threads and BLAS on 1 against 105 s (bench/RESULTS.md, issue 14).
    const ScopedJobThreads threads(model.config.dim);
    std::vector<int64_t> evalTokens;
    if (!o.evalTextPath.empty()) {
        withErrorContext(o.evalTextPath, [&] { evalTokens = encodeEvalText(*model.tokenizer, o.evalTextPath); });
        makeEvalWindows(model, evalTokens, o.evalSeqLen); // a window the model cannot take fails now, not after the search
    }

    if (!o.applyResultsPath.empty()) {
        job.log("applying " + o.applyResultsPath + " (" + r.result.method + ", " + r.result.quant.label() + ")");
    } else if (o.method == QuantMethod::Rtn) {
        r.result.method = "rtn";
        r.result.quant = o.quant.complete();
        r.result.modelPath = model.sourcePath;
        r.source = "rtn";
    } else {
        const CalibrationSet calib = buildCalibrationSet(model, o.calibration, o.calibrationOptions.value_or(CalibrationOptions{}), &job);
        AwqOptions search = o.search.value_or(AwqOptions{});
        search.quant = o.quant.complete();
        const auto searchStart = Clock::now();
        r.result = runAwqSearch(model, calib.blocks, search, &job);
        r.searchSeconds = secondsSince(searchStart);
        r.result.calibrationSummary = calib.summary();
        r.source = "search";
        job.log("AWQ search took " + std::to_string(r.searchSeconds) + " s");
    }

    if (!evalTokens.empty()) {
        PerplexityOptions po;
        po.seqLen = o.evalSeqLen;
        const Model quantized = applyAwqResult(model, r.result);
        r.pplFp = evaluatePerplexity(model, evalTokens, po, &job);
        r.pplQ = evaluatePerplexity(quantized, evalTokens, po, &job);
    }

    // Outputs last: the export (long, cancellable, built in a temporary folder) before the results
    // file (short), so that a cancel at any point before the export's commit leaves nothing.
    if (!o.outDir.empty()) {
        ExportOptions eo;
        eo.maxShardBytes = o.maxShardBytes;
        if (r.pplFp && r.pplQ) {
            eo.pplFp = r.pplFp->ppl;
            eo.pplQ = r.pplQ->ppl;
            eo.evalText = o.evalTextPath;
        }
        AwqResult exported = r.result;
        if (exported.modelPath.empty())
            exported.modelPath = model.sourcePath;
        exportAutoAwq(model, exported, o.outDir, eo, &job);
        r.outDir = o.outDir;
    }
    if (!o.saveResultsPath.empty()) {
        saveAwqResult(o.saveResultsPath, r.result);
        r.savedResultsPath = o.saveResultsPath;
        job.log("results stored in " + o.saveResultsPath);
    }
    r.search = r.source == "search" ? o.search.value_or(AwqOptions{}) : std::optional<AwqOptions>();
    r.bitsPerWeight = bitsPerWeight(model.config, r.result.quant);
    r.warnings = job.warnings();
    r.totalSeconds = secondsSince(start);
    return r;
}

nlohmann::json toJson(const QuantizeJobResult& r)
{
    const QuantConfig& q = r.result.quant;
    nlohmann::json j = {{"method", r.result.method},
                        {"source", r.source},
                        {"w_bit", q.wBit},
                        {"group_size", q.groupSize},
                        {"zero_point", q.zeroPoint},
                        {"seconds_search", r.searchSeconds},
                        {"bits_per_weight", r.bitsPerWeight},
                        {"calib_blocks", r.result.calibrationBlocks},
                        {"calib_seqlen", r.result.calibrationSeqLen},
                        {"calibration", r.result.calibrationSummary}};
    if (r.search) {
        j["feed"] = feedName(r.search->feed);
        j["feed_kept"] = r.result.feed; // best: the feed whose search was kept
        if (!std::isnan(r.result.calibrationNll))
            j["calib_ppl_q"] = std::exp(r.result.calibrationNll);
        j["scaling"] = scalingName(r.search->scaling);
        j["scaling_kept"] = r.result.scaling; // best: the scaling whose search was kept
        j["clip_qk"] = r.search->clipQueryKey;
        j["clip_qk_attention"] = r.search->clipQueryKeyByAttention;
        j["clip"] = r.search->searchClip;
        j["scale_grid"] = r.search->scaleGrid;
        if (r.search->scaleScreenEvery > 1)
            j["scale_screen"] = {{"every", r.search->scaleScreenEvery}, {"keep", r.search->scaleScreenKeep}};
    }
    if (r.pplFp && r.pplQ) {
        j["ppl_fp"] = r.pplFp->ppl;
        j["ppl_q"] = r.pplQ->ppl;
        j["delta_ppl_percent"] = 100.0 * (r.pplQ->ppl / r.pplFp->ppl - 1.0);
        j["eval_tokens"] = r.pplFp->evalTokens;
    }
    auto pathOrNull = [](const std::string& p) { return p.empty() ? nlohmann::json() : nlohmann::json(p); };
    j["out"] = pathOrNull(r.outDir);
    j["saved_results"] = pathOrNull(r.savedResultsPath);
    j["warnings"] = r.warnings;
    j["seconds_total"] = r.totalSeconds;
    return j;
}

} // namespace awb
