#pragma once
// The convert job (`awb convert`): any model the tool reads -> a Hugging Face folder
// (config.json, safetensors, tokenizer files), e.g. llama2.c checkpoints for transformers.
// The folder is replaced atomically; a cancelled or failed job leaves nothing at outDir.
#include "core/base/job_context.h"
#include "core/jobs/model_source.h"
#include "core/jobs/written_folder.h"

#include <c10/core/ScalarType.h>
#include <string>

namespace awb {

struct ConvertJobOptions {
    ModelSource model;
    std::string outDir;
    c10::ScalarType dtype = c10::ScalarType::Float; // Float, BFloat16 or Half
    int64_t maxShardBytes = int64_t(2000) << 20;    // 0 = one file
};

// Throws IoError (paths), ArgumentError (dtype, shard size), what loading throws, Cancelled.
WrittenFolder runConvertJob(const ConvertJobOptions& options, JobContext& job);

} // namespace awb
