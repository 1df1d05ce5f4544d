#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "app/cli/search_options.h"
#include "core/jobs/quantize_job.h"

#include <cstdio>

namespace awb::cli {

namespace {
struct QuantizeArgs {
    ModelOptions model;
    QuantizeJobOptions job;
    SearchOptions search;
    CalibrationOptions calibration;
    std::string method = "awq", longSamples = "drop", unit = "line";
    int64_t maxShardMb = 2000;
    bool zeroPoint = true, json = false;
};
} // namespace

void addQuantizeCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("quantize", "Quantize a model's linear layers by AWQ (or RTN) and optionally evaluate, store and export it");
    auto a = std::make_shared<QuantizeArgs>();
    auto& o = a->job;
    a->model.addTo(cmd);
    cmd->add_option("--w-bit", o.quant.wBit, "weight bits, 2..8 (required unless --apply-results)");
    cmd->add_option("--group-size", o.quant.groupSize, "group size: -1 (per output channel) or a positive multiple of 8");
    auto* zeroPoint = cmd->add_flag("--zero-point,!--no-zero-point", a->zeroPoint, "asymmetric with zero point (default) or symmetric");
    auto* method = cmd->add_option("--method", a->method, "awq or rtn (round-to-nearest baseline, same quantizer)")
                       ->check(CLI::IsMember({"awq", "rtn"}))->capture_default_str();
    // Calibration and search options: AWQ only (the job refuses them with rtn / --apply-results).
    const std::vector<CLI::Option*> calibration = {
        cmd->add_option("--calib", o.calibration, "calibration sources, comma-separated: text files (a sample per line), .jsonl "
                                                  "({\"text\"}), bundled sets 'wikitext2' / 'tinystories', 'self' (sampled from the FP model), or a .json of token ids from 'awb calibration --save-blocks'")
            ->delimiter(','),
        cmd->add_option("--n-samples", a->calibration.nBlocks, "calibration blocks")->capture_default_str(),
        cmd->add_option("--seqlen", a->calibration.seqLen, "tokens per calibration block")->capture_default_str(),
        cmd->add_option("--long-samples", a->longSamples, "samples longer than a block: drop (llm-awq) or split into blocks")
            ->check(CLI::IsMember({"drop", "split"}))->capture_default_str(),
        cmd->add_option("--calib-unit", a->unit, "a text file's samples: line or paragraph")->check(CLI::IsMember({"line", "paragraph"}))
            ->capture_default_str(),
        cmd->add_option("--seed", a->calibration.seed, "seed of self-generated calibration text")->capture_default_str()};
    a->search.addTo(cmd);
    cmd->add_option("--apply-results", o.applyResultsPath, "apply scales/clips stored by an earlier search (HDF5) instead of searching");
    cmd->add_option("--save-results", o.saveResultsPath, "store scales, clips and search history (HDF5)");
    cmd->add_option("--out", o.outDir, "write the quantized model as an AutoAWQ GEMM folder (4 bits; replaced atomically)");
    addMaxShardOption(cmd, a->maxShardMb);
    cmd->add_option("--eval", o.evalTextPath, "text file: report ppl_fp and ppl_q (same protocol as awb eval)");
    cmd->add_option("--eval-seqlen", o.evalSeqLen, "evaluation window")->capture_default_str();
    cmd->add_flag("--json", a->json, "print one JSON object as the last line of stdout");
    cmd->callback([a, method, zeroPoint, calibration] {
        QuantizeJobOptions o = a->job;
        o.model = a->model.source();
        o.maxShardBytes = mebibytes(a->maxShardMb);
        if (zeroPoint->count())
            o.quant.zeroPoint = a->zeroPoint;
        if (method->count())
            o.method = a->method == "rtn" ? QuantMethod::Rtn : QuantMethod::Awq;
        if (anyGiven({calibration.begin() + 1, calibration.end()})) { // beyond --calib itself
            a->calibration.longSamples = a->longSamples == "split" ? LongSamples::Split : LongSamples::Drop;
            a->calibration.unit = a->unit == "paragraph" ? SampleUnit::Paragraph : SampleUnit::Line;
            o.calibrationOptions = a->calibration;
        }
        if (anyGiven(a->search.options))
            o.search = a->search.resolved();
        CliJob job;
        const QuantizeJobResult r = runQuantizeJob(o, job.context());
        job.finish();
        if (a->json)
            return printJson(toJson(r));
        std::printf("%s %s: search %.1f s", r.result.method.c_str(), r.result.quant.label().c_str(), r.searchSeconds);
        if (r.pplFp && r.pplQ)
            std::printf(", ppl FP %.4f -> quantized %.4f (%+.2f%%)", r.pplFp->ppl, r.pplQ->ppl, 100.0 * (r.pplQ->ppl / r.pplFp->ppl - 1.0));
        std::printf("\n");
    });
}

} // namespace awb::cli
