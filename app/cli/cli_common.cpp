#include "app/cli/cli_common.h"

#include "core/base/error.h"
#include "core/io/model_loader.h"

#include <filesystem>
#include <iostream>
#include <memory>

namespace awb::cli {

void ModelOptions::addTo(CLI::App* cmd)
{
    cmd->add_option("--model", model, "llama2.c checkpoint (.bin) or Hugging Face model folder (default: embedded stories260K)");
    cmd->add_option("--tokenizer", tokenizer, "tokenizer.model / tokenizer.json (default: found beside the model)");
}

Model ModelOptions::load(bool requireTokenizer) const
{
    LoadOptions options;
    options.tokenizerPath = tokenizer;
    options.requireTokenizer = requireTokenizer;
    const std::string path = model.empty() ? defaultModelPath() : model;
    logLine("loading " + path);
    return loadModel(path, options);
}

JobContext stderrJob()
{
    auto lastPercent = std::make_shared<std::pair<std::string, int>>("", -1);
    return JobContext(
        [lastPercent](int64_t done, int64_t total, const std::string& stage) {
            const int percent = total > 0 ? static_cast<int>(100 * done / total) : 0;
            if (stage != lastPercent->first || percent / 10 != lastPercent->second / 10 || done == total) {
                std::cerr << "[" << stage << "] " << done << "/" << total << "\n";
                *lastPercent = {stage, percent};
            }
            return true;
        },
        [](const std::string& line) { std::cerr << line << "\n"; });
}

void printJson(const nlohmann::json& value) { std::cout << value.dump() << std::endl; }

void logLine(const std::string& line) { std::cerr << line << std::endl; }

std::string checkedFile(const std::string& path, const std::string& option)
{
    if (!std::filesystem::exists(path))
        throw IoError(option + " " + path + ": file not found");
    return path;
}

} // namespace awb::cli
