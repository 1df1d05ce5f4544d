#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/awqformat/awq_export.h"
#include "core/base/error.h"
#include "core/io/hf_loader.h"
#include "core/store/result_store.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;

namespace awb::cli {

namespace {
struct ExportArgs {
    ModelOptions model;
    std::string applyResults;
    std::string method;
    QuantConfig quant;
    bool bitsGiven = false, groupGiven = false;
    std::string out;
    int64_t maxShardMb = 2000;
    bool allowNon4Bit = false;
    bool json = false;
};
} // namespace

// A stored AWQ result (or RTN settings) + the FP model -> an AutoAWQ GEMM folder (core/awqformat/awq_export.h).
void addExportCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("export", "Write a quantized model as an AutoAWQ GEMM checkpoint (loads in AutoAWQ, transformers, vLLM)");
    auto a = std::make_shared<ExportArgs>();
    a->model.addTo(cmd);
    cmd->add_option("--apply-results", a->applyResults, "AWQ result stored by awb quantize --save-results (HDF5)");
    cmd->add_option("--method", a->method, "rtn: round-to-nearest without a stored result (needs --w-bit and --group-size)")
        ->check(CLI::IsMember({"rtn"}));
    auto* bits = cmd->add_option("--w-bit", a->quant.wBit, "weight bits (4 for AutoAWQ)");
    auto* group = cmd->add_option("--group-size", a->quant.groupSize, "group size: -1 (per output channel) or a positive multiple of 8");
    cmd->add_flag("--zero-point,!--no-zero-point", a->quant.zeroPoint, "asymmetric with zero point (default) or symmetric");
    cmd->add_option("--out", a->out, "output folder (replaced atomically)")->required();
    cmd->add_option("--max-shard-mb", a->maxShardMb, "shard model.safetensors above this size in MB (0 = one file)")->capture_default_str();
    cmd->add_flag("--allow-non-4bit", a->allowNon4Bit, "write 2/8-bit codes in awb's packed-Nbit extension (no AutoAWQ/vLLM kernel reads it)");
    cmd->add_flag("--json", a->json, "print one JSON object as the last line of stdout");
    cmd->callback([a, bits, group] {
        const auto start = std::chrono::steady_clock::now();
        if (a->applyResults.empty() == a->method.empty())
            throw ArgumentError("pass either --apply-results R.h5 or --method rtn");
        if (a->maxShardMb < 0)
            throw ArgumentError("--max-shard-mb must not be negative");
        AwqResult result;
        if (!a->applyResults.empty()) {
            result = loadAwqResult(checkedFile(a->applyResults, "--apply-results"));
            // explicit settings must agree with what the result was searched for
            if ((bits->count() && a->quant.wBit != result.quant.wBit) || (group->count() && a->quant.groupSize != result.quant.groupSize))
                throw ArgumentError(a->applyResults + " was searched for " + result.quant.label() + ", not " + a->quant.label());
        } else {
            if (!bits->count() || !group->count())
                throw ArgumentError("--method rtn needs --w-bit and --group-size");
            a->quant.validate();
            result.method = "rtn";
            result.quant = a->quant;
        }
        if (result.quant.wBit != 4 && !a->allowNon4Bit) // before loading the model
            throw ArgumentError("the AutoAWQ GEMM format stores 4-bit weights only (--w-bit " + std::to_string(result.quant.wBit) +
                                "); --allow-non-4bit writes an awb-only packed extension");
        Model model = a->model.load(/*requireTokenizer=*/false);
        if (result.modelPath.empty())
            result.modelPath = model.sourcePath;
        ExportOptions options;
        options.maxShardBytes = a->maxShardMb * 1000 * 1000;
        options.allowNon4Bit = a->allowNon4Bit;
        JobContext job = stderrJob();
        exportAutoAwq(model, result, a->out, options, &job);

        const nlohmann::json config = readJsonFile(a->out + "/config.json");
        int64_t bytes = 0;
        nlohmann::json files = nlohmann::json::array();
        for (const auto& entry : fs::directory_iterator(a->out)) {
            files.push_back(entry.path().filename().string());
            bytes += entry.is_regular_file() ? static_cast<int64_t>(entry.file_size()) : 0;
        }
        nlohmann::json out = {{"out", a->out},
                              {"method", result.method},
                              {"w_bit", result.quant.wBit},
                              {"group_size", result.quant.groupSize},
                              {"zero_point", result.quant.zeroPoint},
                              {"intermediate_size", config["intermediate_size"]},
                              {"modules_to_not_convert", config["quantization_config"]["modules_to_not_convert"]},
                              {"files", files},
                              {"bytes", bytes},
                              {"warnings", job.warnings()},
                              {"seconds_total", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}};
        if (a->json) {
            printJson(out);
            return;
        }
        std::printf("%s %s -> %s (%.1f MB)\n", result.method.c_str(), result.quant.label().c_str(), a->out.c_str(), bytes / 1e6);
    });
}

} // namespace awb::cli
