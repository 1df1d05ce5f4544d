#pragma once
// The inspect job (`awb inspect`, the workbench's Model view): what a model is, without running it.
#include "core/jobs/model_source.h"

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace awb {

struct TensorSummary {
    std::string name; // Hugging Face name
    std::vector<int64_t> shape;
    std::string dtype; // as held in memory (an imported AWQ checkpoint's linears are dequantized)
};

struct ModelSummary {
    std::string path, format, dtype; // dtype as stored ("F32", "BF16", "AWQ-W4-G128", ...)
    ModelConfig config;
    int64_t parameters = 0;
    std::string quantization; // an imported checkpoint's quantization_config (JSON), else empty
    std::string tokenizerPath, tokenizerKind; // empty when none was found
    int64_t tokenizerVocab = 0, bosId = -1, eosId = -1;
    std::vector<TensorSummary> tensors; // checkpoint order
};

// Throws what loading throws (IoError/FormatError/ShapeError naming the file). A missing
// tokenizer is not an error here.
ModelSummary inspectModel(const ModelSource& source);
nlohmann::json toJson(const ModelSummary& summary);

} // namespace awb
