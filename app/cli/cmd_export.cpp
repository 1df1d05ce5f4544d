#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/jobs/export_job.h"

#include <cstdio>

namespace awb::cli {

// A stored AWQ result (or RTN settings) + the FP model -> an AutoAWQ GEMM folder.
void addExportCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("export", "Write a quantized model as an AutoAWQ GEMM checkpoint (loads in AutoAWQ, transformers, vLLM)");
    auto model = std::make_shared<ModelOptions>();
    auto o = std::make_shared<ExportJobOptions>();
    auto method = std::make_shared<std::string>();
    auto shardMb = std::make_shared<int64_t>(2000);
    auto json = std::make_shared<bool>(false);
    model->addTo(cmd);
    cmd->add_option("--apply-results", o->applyResultsPath, "AWQ result stored by awb quantize --save-results (HDF5)");
    cmd->add_option("--method", *method, "rtn: round-to-nearest without a stored result (needs --w-bit and --group-size)")
        ->check(CLI::IsMember({"rtn"}));
    cmd->add_option("--w-bit", o->quant.wBit, "weight bits (4 for AutoAWQ)");
    cmd->add_option("--group-size", o->quant.groupSize, "group size: -1 (per output channel) or a positive multiple of 8");
    auto zeroPoint = std::make_shared<bool>(true);
    auto* zeroPointFlag = cmd->add_flag("--zero-point,!--no-zero-point", *zeroPoint, "asymmetric with zero point (default) or symmetric");
    cmd->add_option("--out", o->outDir, "output folder (replaced atomically)")->required();
    addMaxShardOption(cmd, *shardMb);
    cmd->add_flag("--allow-non-4bit", o->allowNon4Bit, "write 2/8-bit codes in awb's packed-Nbit extension (no AutoAWQ/vLLM kernel reads it)");
    cmd->add_flag("--json", *json, "print one JSON object as the last line of stdout");
    cmd->callback([model, o, method, shardMb, json, zeroPoint, zeroPointFlag] {
        if (o->applyResultsPath.empty() == method->empty())
            throw ArgumentError("pass either --apply-results R.h5 or --method rtn");
        if (zeroPointFlag->count())
            o->quant.zeroPoint = *zeroPoint;
        o->model = model->source();
        o->maxShardBytes = mebibytes(*shardMb);
        CliJob job;
        const ExportJobResult r = runExportJob(*o, job.context());
        job.finish();
        if (*json)
            return printJson(toJson(r));
        std::printf("%s %s -> %s (%.1f MiB)\n", r.method.c_str(), r.quant.label().c_str(), r.folder.path.c_str(), r.folder.bytes / 1048576.0);
    });
}

} // namespace awb::cli
