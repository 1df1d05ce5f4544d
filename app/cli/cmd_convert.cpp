#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/jobs/convert_job.h"

#include <cstdio>
#include <map>

namespace awb::cli {

// Any model the tool reads -> a Hugging Face folder (e.g. llama2.c checkpoints for transformers).
void addConvertCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("convert", "Write a model as a Hugging Face folder (config.json + safetensors + tokenizer)");
    auto model = std::make_shared<ModelOptions>();
    auto o = std::make_shared<ConvertJobOptions>();
    auto dtype = std::make_shared<std::string>("f32");
    auto shardMb = std::make_shared<int64_t>(2000);
    auto json = std::make_shared<bool>(false);
    model->addTo(cmd);
    cmd->add_option("--out", o->outDir, "output folder (replaced atomically)")->required();
    cmd->add_option("--dtype", *dtype, "f32, bf16 or f16")->check(CLI::IsMember({"f32", "bf16", "f16"}))->capture_default_str();
    addMaxShardOption(cmd, *shardMb);
    cmd->add_flag("--json", *json, "print {out, files, bytes} as the last line of stdout");
    cmd->callback([model, o, dtype, shardMb, json] {
        static const std::map<std::string, c10::ScalarType> types = {{"f32", at::kFloat}, {"bf16", at::kBFloat16}, {"f16", at::kHalf}};
        o->model = model->source();
        o->dtype = types.at(*dtype);
        o->maxShardBytes = mebibytes(*shardMb);
        CliJob job;
        const WrittenFolder out = runConvertJob(*o, job.context());
        job.finish();
        if (*json)
            return printJson({{"out", out.path}, {"files", out.files}, {"bytes", out.bytes}});
        std::printf("wrote %s (%zu files, %.1f MiB)\n", out.path.c_str(), out.files.size(), out.bytes / 1048576.0);
    });
}

} // namespace awb::cli
