#include "core/io/model_loader.h"

#include "core/base/error.h"
#include "core/io/hf_loader.h"
#include "core/io/llama2c_loader.h"
#include "core/io/special_tokens.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace awb {

std::string defaultModelPath() { return resourcesDir() + "/models/stories260K/stories260K.bin"; }

namespace {
std::string findTokenizerBeside(const fs::path& dir, int64_t vocabSize)
{
    for (const std::string& name : {std::string("tokenizer.model"), std::string("tokenizer.json"),
                                    "tok" + std::to_string(vocabSize) + ".model"}) {
        if (fs::is_regular_file(dir / name))
            return (dir / name).string();
    }
    return {};
}
} // namespace

Model loadModel(const std::string& path, const LoadOptions& options)
{
    if (!fs::exists(path))
        throw IoError(path + ": model not found");
    Model model;
    fs::path searchDir;
    if (fs::is_directory(path)) {
        if (!fs::exists(fs::path(path) / "config.json"))
            throw IoError(path + ": folder has no config.json (expected a Hugging Face model folder)");
        model = loadHfFolder(path, options.keepInt4Packed);
        searchDir = path;
    } else {
        model = loadLlama2c(path);
        searchDir = fs::path(path).parent_path();
    }
    std::string tokenizerPath = options.tokenizerPath;
    if (tokenizerPath.empty())
        tokenizerPath = findTokenizerBeside(searchDir, model.config.vocabSize);
    if (tokenizerPath.empty()) {
        if (options.requireTokenizer)
            throw IoError(path + ": no tokenizer found beside the model (tokenizer.model, tokenizer.json or tok" +
                          std::to_string(model.config.vocabSize) + ".model); pass --tokenizer FILE");
        return model;
    }
    model.tokenizer = loadTokenizer(tokenizerPath);
    if (model.tokenizer->vocabSize() > model.config.vocabSize)
        throw ShapeError(tokenizerPath + ": tokenizer has " + std::to_string(model.tokenizer->vocabSize()) +
                         " tokens but the model's vocabulary is " + std::to_string(model.config.vocabSize));
    // generation_config.json > config.json > tokenizer_config.json > the tokenizer's guess
    applySpecialTokens(model, model.sourceFormat == "hf-safetensors" ? path : std::string());
    return model;
}

} // namespace awb
