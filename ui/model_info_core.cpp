// Bridge from core's inspect job (libtorch) to the plain ModelInfo the Model view reads.
#include "ui/model_info.h"

#include "core/io/model_loader.h"
#include "core/jobs/inspect_job.h"

#include <filesystem>

namespace awb::ui {

namespace {
int64_t bytesOnDisk(const std::string& path)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_regular_file(path, ec))
        return static_cast<int64_t>(fs::file_size(path, ec));
    int64_t total = 0;
    if (fs::is_directory(path, ec))
        for (const auto& entry : fs::recursive_directory_iterator(path, ec))
            if (entry.is_regular_file(ec))
                total += static_cast<int64_t>(entry.file_size(ec));
    return total;
}
} // namespace

std::string embeddedModelPath() { return defaultModelPath(); }

ModelInfo inspectModelInfo(const std::string& path)
{
    ModelSource source;
    source.path = path;
    const ModelSummary s = inspectModel(source);
    ModelInfo info;
    info.path = s.path.empty() ? source.displayPath() : s.path;
    info.format = s.format;
    info.dtype = s.dtype;
    info.quantization = s.quantization;
    info.tokenizer = s.tokenizerPath.empty() ? std::string("none found")
                                             : s.tokenizerPath + " (" + s.tokenizerKind + ", " + std::to_string(s.tokenizerVocab) + " tokens)";
    info.parameters = s.parameters;
    info.fileBytes = bytesOnDisk(path.empty() ? defaultModelPath() : path);
    const ModelConfig& c = s.config;
    info.architecture = {{"model type", c.modelType},
                         {"hidden size (dim)", std::to_string(c.dim)},
                         {"FFN size", std::to_string(c.hiddenDim)},
                         {"layers", std::to_string(c.nLayers)},
                         {"attention heads", std::to_string(c.nHeads)},
                         {"KV heads", std::to_string(c.nKvHeads)},
                         {"head dim", std::to_string(c.headDim)},
                         {"vocabulary", std::to_string(c.vocabSize)},
                         {"context (tokens)", std::to_string(c.maxSeqLen)},
                         {"RoPE θ", std::to_string(c.ropeTheta)},
                         {"tied embeddings", c.tiedEmbeddings ? "yes" : "no"}};
    for (const TensorSummary& t : s.tensors) {
        TensorInfo ti{t.name, t.dtype, t.shape, 1};
        for (int64_t d : t.shape)
            ti.elements *= d;
        info.tensors.push_back(std::move(ti));
    }
    return info;
}

} // namespace awb::ui
