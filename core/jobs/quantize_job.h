#pragma once
// The quantize job: what `awb quantize` and the workbench's Quantize action do. One of three ways
// to a quantized model —
//   re-apply a stored result (applyResultsPath), round-to-nearest (method Rtn), or the AWQ search
//   (method Awq, on calibration sources) —
// then optionally evaluate FP and quantized perplexity, store the result (HDF5), and export an
// AutoAWQ GEMM folder. All inputs and settings are checked, and conflicting ones refused, before the
// model is loaded (checkQuantizeOptions). Outputs are written only after everything was computed,
// each atomically: a cancelled or failed job leaves no output and no temporary behind.
// Runs on the calling thread; progress, cancel and warnings go through the JobContext.
#include "core/base/job_context.h"
#include "core/eval/perplexity.h"
#include "core/jobs/model_source.h"
#include "core/quant/awq_search.h"
#include "core/quant/calibration.h"

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace awb {

enum class QuantMethod { Awq, Rtn };

struct QuantizeJobOptions {
    ModelSource model;
    // The integer format. w_bit and group size are required unless applyResultsPath is set; then
    // each one that is set must agree with the stored result, and unset ones are taken from it.
    QuantSettings quant;
    std::optional<QuantMethod> method; // default Awq; refused together with applyResultsPath
    // AWQ only (refused with Rtn or applyResultsPath): calibration sources (files, bundled names,
    // "self") and how they become blocks; search settings (its quant field is ignored).
    std::vector<std::string> calibration;
    std::optional<CalibrationOptions> calibrationOptions;
    std::optional<AwqOptions> search;
    std::string applyResultsPath; // re-apply an HDF5 result instead of searching
    // Outputs; at least one should be set, or the job warns that its result is thrown away.
    std::string evalTextPath; // perplexity of FP and quantized models (docs/METRICS.md §1)
    int64_t evalSeqLen = 512;
    std::string saveResultsPath; // HDF5 (core/store/result_store.h)
    std::string outDir;          // AutoAWQ GEMM folder (4 bits; replaced atomically)
    int64_t maxShardBytes = int64_t(2000) << 20;
};

struct QuantizeJobResult {
    AwqResult result; // what was applied (scales/clips and search history; no blocks for RTN)
    std::string source; // "search" | "rtn" | the re-applied results file
    std::optional<AwqOptions> search; // the search settings, when it searched
    double searchSeconds = 0;
    double bitsPerWeight = 0; // storage cost of the linears (core/awqformat/bits_per_weight.h)
    std::optional<PerplexityResult> pplFp, pplQ;
    std::string savedResultsPath, outDir; // written outputs (empty when not asked for)
    std::vector<std::string> warnings;
    double totalSeconds = 0;
};

// Throws ArgumentError naming the option for impossible or conflicting settings and missing or
// unwritable paths; returns warnings (e.g. nothing will be kept). Loads nothing but small files.
std::vector<std::string> checkQuantizeOptions(const QuantizeJobOptions& options);
// Throws ArgumentError (settings), IoError/FormatError/ShapeError naming a file, Cancelled.
QuantizeJobResult runQuantizeJob(const QuantizeJobOptions& options, JobContext& job);
// The result as `awb quantize --json` prints it (also what sweeps and reports store).
nlohmann::json toJson(const QuantizeJobResult& result);

} // namespace awb
