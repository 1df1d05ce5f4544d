#pragma once
// The export job (`awb export`, the workbench's Export checkpoint): a stored AWQ result, or RTN
// settings, applied to the FP model and written as an AutoAWQ GEMM folder
// (core/awqformat/awq_export.h). Inputs are checked before the model is loaded; the folder is
// replaced atomically, so a cancelled or failed job leaves nothing at outDir.
#include "core/base/job_context.h"
#include "core/jobs/model_source.h"
#include "core/jobs/written_folder.h"
#include "core/quant/quant_config.h"

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace awb {

struct ExportJobOptions {
    ModelSource model;
    std::string applyResultsPath; // a stored result; or, when empty, round-to-nearest ...
    QuantSettings quant;          // ... with these settings (with a result: given ones must agree)
    std::string outDir;
    int64_t maxShardBytes = int64_t(2000) << 20; // 0 = one file
    bool allowNon4Bit = false; // awb's packed-Nbit extension for 2/8 bits (only awb reads it)
};

struct ExportJobResult {
    WrittenFolder folder;
    std::string method; // awq | rtn
    QuantConfig quant;
    nlohmann::json config; // the written config.json
    std::vector<std::string> warnings;
    double seconds = 0;
};

// Throws ArgumentError (settings), IoError/FormatError (files), ShapeError (result vs model),
// Cancelled.
ExportJobResult runExportJob(const ExportJobOptions& options, JobContext& job);
nlohmann::json toJson(const ExportJobResult& result);

} // namespace awb
