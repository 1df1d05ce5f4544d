#include "core/io/hf_companion_files.h"

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/io/hf_config.h"

#include <filesystem>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace awb {

const std::vector<std::string>& hfCompanionFileNames()
{
    static const std::vector<std::string> names = {"generation_config.json", "chat_template.jinja", "chat_template.json",
                                                   "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                                                   "tokenizer.json", "tokenizer.model", "vocab.json", "merges.txt"};
    return names;
}

namespace {
void copyFile(const fs::path& from, const fs::path& to)
{
    std::error_code ec;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec)
        throw IoError(to.string() + ": cannot copy " + from.string() + ": " + ec.message());
}
} // namespace

void writeHfCompanionFiles(const Model& model, const std::string& outDir)
{
    const fs::path out(outDir);
    if (model.sourceFormat == "hf-safetensors")
        for (const auto& name : hfCompanionFileNames())
            if (fs::is_regular_file(fs::path(model.sourcePath) / name))
                copyFile(fs::path(model.sourcePath) / name, out / name);
    if (model.tokenizer) {
        const fs::path src = model.tokenizer->path();
        const fs::path dst = out / (src.extension() == ".json" ? "tokenizer.json" : "tokenizer.model");
        std::error_code ec;
        if (!fs::exists(dst) || !fs::equivalent(src, fs::path(model.sourcePath) / dst.filename(), ec))
            copyFile(src, dst);
    }
    if (!fs::exists(out / "generation_config.json")) {
        nlohmann::ordered_json g;
        g["bos_token_id"] = model.config.bosId;
        g["eos_token_id"] = eosTokenJson(model.config);
        writeFileAtomic((out / "generation_config.json").string(), g.dump(2) + "\n");
    }
}

} // namespace awb
