#include "core/jobs/export_job.h"

#include "core/awqformat/awq_export.h"
#include "core/base/error.h"
#include "core/base/json_file.h"
#include "core/jobs/input_checks.h"
#include "core/store/result_store.h"

#include <chrono>
#include <nlohmann/json.hpp>

namespace awb {

ExportJobResult runExportJob(const ExportJobOptions& o, JobContext& job)
{
    const auto start = std::chrono::steady_clock::now();
    requireWritableFolderTarget(o.outDir, "--out");
    if (o.maxShardBytes < 0)
        throw ArgumentError("--max-shard-mb must not be negative");
    AwqResult result;
    if (!o.applyResultsPath.empty()) {
        requireReadableFile(o.applyResultsPath, "--apply-results");
        withErrorContext(o.applyResultsPath, [&] { result = loadAwqResult(o.applyResultsPath); });
        o.quant.agreeWith(result.quant, o.applyResultsPath);
    } else {
        result.method = "rtn";
        result.quant = o.quant.complete();
    }
    if (result.quant.wBit != 4 && !o.allowNon4Bit)
        throw ArgumentError("the AutoAWQ GEMM format stores 4-bit weights only (" + result.quant.label() +
                            "); --allow-non-4bit writes an awb-only packed extension");

    const Model model = o.model.load(/*requireTokenizer=*/false);
    if (result.modelPath.empty())
        result.modelPath = model.sourcePath;
    ExportOptions eo;
    eo.maxShardBytes = o.maxShardBytes;
    eo.allowNon4Bit = o.allowNon4Bit;
    exportAutoAwq(model, result, o.outDir, eo, &job);

    ExportJobResult r;
    r.folder = describeFolder(o.outDir);
    r.method = result.method;
    r.quant = result.quant;
    r.config = readJsonFile(o.outDir + "/config.json");
    r.warnings = job.warnings();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

nlohmann::json toJson(const ExportJobResult& r)
{
    return {{"out", r.folder.path},
            {"method", r.method},
            {"w_bit", r.quant.wBit},
            {"group_size", r.quant.groupSize},
            {"zero_point", r.quant.zeroPoint},
            {"intermediate_size", r.config.value("intermediate_size", nlohmann::json())},
            {"modules_to_not_convert", r.config.value("/quantization_config/modules_to_not_convert"_json_pointer, nlohmann::json())},
            {"files", r.folder.files},
            {"bytes", r.folder.bytes},
            {"warnings", r.warnings},
            {"seconds_total", r.seconds}};
}

} // namespace awb
