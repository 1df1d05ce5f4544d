#pragma once
// The evaluate job (`awb eval`): perplexity of a text file by the protocol of docs/METRICS.md §1.
// Runs on the calling thread; progress and cancel through the JobContext.
#include "core/base/job_context.h"
#include "core/eval/perplexity.h"
#include "core/jobs/model_source.h"

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace awb {

struct EvaluateJobOptions {
    ModelSource model;
    std::string textPath; // UTF-8; each non-empty line stripped and encoded
    int64_t seqLen = 512;  // window length including BOS
};

struct EvaluateJobResult {
    std::string modelPath;
    int64_t seqLen = 0;
    PerplexityResult perplexity;
};

// Throws IoError (missing text), FormatError (not UTF-8, bad model), ArgumentError (seqLen
// outside 2..context), Cancelled.
EvaluateJobResult runEvaluateJob(const EvaluateJobOptions& options, JobContext& job);
nlohmann::json toJson(const EvaluateJobResult& result);

} // namespace awb
