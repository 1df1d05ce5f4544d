#pragma once
// A torch-free snapshot of core's ModelSummary (core/jobs/inspect_job.h) for the Model view.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace awb::ui {

struct TensorInfo {
    std::string name, dtype;
    std::vector<int64_t> shape;
    int64_t elements = 0;
};

struct ModelInfo {
    std::string path, format, dtype, quantization, tokenizer;
    int64_t parameters = 0, fileBytes = 0;
    std::vector<std::pair<std::string, std::string>> architecture; // key, value (config fields)
    std::vector<TensorInfo> tensors;
};

// Worker thread. Reads the model at path (empty = the embedded stories260K): a llama2.c file or a
// Hugging Face folder, FP or AutoAWQ. Throws awb::Error subclasses naming the file and field.
ModelInfo inspectModelInfo(const std::string& path);
// The embedded model's path (resources/models/stories260K/stories260K.bin).
std::string embeddedModelPath();

} // namespace awb::ui
