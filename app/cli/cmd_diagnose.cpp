#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "app/cli/diagnose_print.h"
#include "core/jobs/diagnose_job.h"

namespace awb::cli {

void addDiagnoseCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("diagnose", "How a quantized model drifts from its FP original: logits, entropy, ΔS, λ, "
                                               "per-layer error, gates and diagnosis (docs/METRICS.md)");
    auto model = std::make_shared<ModelOptions>();
    auto o = std::make_shared<DiagnoseOptions>();
    auto json = std::make_shared<bool>(false);
    model->addTo(cmd);
    auto* quant = cmd->add_option("--quant", o->quantDir, "quantized model: an AutoAWQ folder");
    auto* wBit = cmd->add_option("--w-bit", o->quant.wBit, "quantize F here instead: weight bits 2..8, or 16 for none (F against itself)");
    quant->excludes(wBit);
    cmd->add_option("--group-size", o->quant.groupSize, "group size (-1 = per output channel)")->capture_default_str();
    cmd->add_flag("--zero-point,!--no-zero-point", o->quant.zeroPoint, "asymmetric with zero point (default) or symmetric");
    cmd->add_option("--method", o->method, "awq or rtn")->check(CLI::IsMember({"awq", "rtn"}))->capture_default_str();
    cmd->add_option("--calib", o->calib, "calibration sources, comma-separated (as awb quantize)")->delimiter(',');
    cmd->add_option("--n-samples", o->calibration.nBlocks, "calibration blocks")->capture_default_str();
    cmd->add_option("--seqlen", o->calibration.seqLen, "tokens per calibration block")->capture_default_str();
    cmd->add_option("--probes", o->probes, "probe set JSON (default: resources/probes/stories260K-probes.json)");
    cmd->add_option("--eval", o->evalText, "eval text: perplexity, logit drift and entropy windows")->required();
    cmd->add_option("--eval-seqlen", o->settings.seqLen, "eval window, BOS included")->capture_default_str();
    cmd->add_option("--max-windows", o->settings.maxEvalWindows, "use at most this many eval windows (0 = all)")->capture_default_str();
    cmd->add_flag("--no-lambda-flips", [o](int64_t) { o->settings.lambdaFlips = false; }, "skip the k and header-order λ variants");
    cmd->add_option("--report", o->report, "write every series, the gates and provenance to this HDF5 file (atomically)");
    cmd->add_flag("--json", *json, "print one JSON object as the last line of stdout");
    cmd->callback([model, o, json, quant, wBit] {
        if (quant->count() == 0 && wBit->count() == 0)
            throw ArgumentError("pass --quant DIR or --w-bit B (16 = no quantization)");
        o->model = model->model;
        o->tokenizer = model->tokenizer;
        CliJob job;
        const DiagnoseResult r = runDiagnose(*o, job.context());
        job.finish();
        printDiagnoseTable(r);
        if (*json)
            printJson(diagnoseJson(r, o->report));
    });
}

} // namespace awb::cli
