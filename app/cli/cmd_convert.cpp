#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/io/hf_writer.h"

#include <map>

namespace awb::cli {

// Any model the tool reads -> a Hugging Face folder (e.g. llama2.c checkpoints for transformers).
void addConvertCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("convert", "Write a model as a Hugging Face folder (config.json + safetensors + tokenizer)");
    auto opts = std::make_shared<ModelOptions>();
    auto out = std::make_shared<std::string>();
    auto dtype = std::make_shared<std::string>("f32");
    auto shardMb = std::make_shared<int64_t>(0);
    opts->addTo(cmd);
    cmd->add_option("--out", *out, "output folder (replaced atomically)")->required();
    cmd->add_option("--dtype", *dtype, "f32, bf16 or f16")->check(CLI::IsMember({"f32", "bf16", "f16"}))->capture_default_str();
    cmd->add_option("--max-shard-mb", *shardMb, "shard the safetensors above this size (0 = one file)")->capture_default_str();
    cmd->callback([opts, out, dtype, shardMb] {
        static const std::map<std::string, c10::ScalarType> types = {{"f32", at::kFloat}, {"bf16", at::kBFloat16}, {"f16", at::kHalf}};
        Model m = opts->load(/*requireTokenizer=*/false);
        writeHfFolder(m, *out, {types.at(*dtype), *shardMb * 1024 * 1024});
        logLine("wrote " + *out);
    });
}

} // namespace awb::cli
