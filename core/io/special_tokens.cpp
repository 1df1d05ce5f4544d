#include "core/io/special_tokens.h"

#include "core/base/error.h"
#include "core/io/hf_loader.h"

#include <filesystem>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace awb {

namespace {

// An *_token_id value: a number, a list of numbers, or null/absent (nothing said).
std::vector<int64_t> idsOf(const nlohmann::json& j, const std::string& key, const std::string& file)
{
    if (!j.is_object() || !j.contains(key) || j[key].is_null())
        return {};
    const nlohmann::json& v = j[key];
    if (v.is_number_integer())
        return {v.get<int64_t>()};
    std::vector<int64_t> ids;
    if (v.is_array()) {
        for (const auto& e : v) {
            if (!e.is_number_integer())
                throw FormatError(file, key, "must be a token id or a list of token ids, not " + v.dump());
            ids.push_back(e.get<int64_t>());
        }
        return ids;
    }
    throw FormatError(file, key, "must be a token id or a list of token ids, not " + v.dump());
}

// tokenizer_config.json's bos_token/eos_token: a string, an AddedToken object {"content": ...}, or null.
std::string tokenTextOf(const nlohmann::json& j, const std::string& key, const std::string& file)
{
    if (!j.is_object() || !j.contains(key) || j[key].is_null())
        return {};
    const nlohmann::json& v = j[key];
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string())
        return v["content"].get<std::string>();
    throw FormatError(file, key, "must be a token string or {\"content\": ...}, not " + v.dump());
}

// The id of a token text: tokenizer_config.json's added_tokens_decoder, then tokenizer.json's
// added_tokens and vocabulary. -1 when none of them has it.
int64_t idOfToken(const std::string& text, const nlohmann::json& tokenizerConfig, const std::string& tokenizerJsonPath)
{
    if (tokenizerConfig.is_object() && tokenizerConfig.contains("added_tokens_decoder") && tokenizerConfig["added_tokens_decoder"].is_object())
        for (const auto& item : tokenizerConfig["added_tokens_decoder"].items())
            if (item.value().is_object() && item.value().value("content", nlohmann::json()) == text) {
                try {
                    return std::stoll(item.key());
                } catch (const std::exception&) {
                    // a malformed key: let the tokenizer files answer
                }
            }
    if (tokenizerJsonPath.empty() || !fs::is_regular_file(tokenizerJsonPath))
        return -1;
    const nlohmann::json tok = readJsonFile(tokenizerJsonPath);
    if (tok.contains("added_tokens") && tok["added_tokens"].is_array())
        for (const auto& t : tok["added_tokens"])
            if (t.is_object() && t.value("content", nlohmann::json()) == text && t.contains("id") && t["id"].is_number_integer())
                return t["id"].get<int64_t>();
    if (tok.contains("model") && tok["model"].is_object() && tok["model"].contains("vocab") && tok["model"]["vocab"].is_object()) {
        const auto& vocab = tok["model"]["vocab"];
        if (vocab.contains(text) && vocab[text].is_number_integer())
            return vocab[text].get<int64_t>();
    }
    return -1;
}

nlohmann::json readIfExists(const fs::path& path)
{
    return fs::is_regular_file(path) ? readJsonFile(path.string()) : nlohmann::json();
}

} // namespace

SpecialTokenIds resolveSpecialTokens(const std::string& dir, const Tokenizer* tokenizer)
{
    SpecialTokenIds r;
    if (!dir.empty()) {
        const fs::path d(dir);
        const std::string tokenizerJson = tokenizer && fs::path(tokenizer->path()).extension() == ".json"
                                              ? tokenizer->path()
                                              : (d / "tokenizer.json").string();
        for (const char* name : {"generation_config.json", "config.json"}) {
            const std::string file = (d / name).string();
            const nlohmann::json j = readIfExists(file);
            if (r.bos < 0)
                if (const auto ids = idsOf(j, "bos_token_id", file); !ids.empty()) {
                    r.bos = ids.front();
                    r.bosSource = name;
                }
            if (r.eos.empty())
                if (const auto ids = idsOf(j, "eos_token_id", file); !ids.empty()) {
                    r.eos = ids;
                    r.eosSource = name;
                }
        }
        const std::string tcFile = (d / "tokenizer_config.json").string();
        const nlohmann::json tc = readIfExists(tcFile);
        auto fromTokenizerConfig = [&](const char* key) -> int64_t {
            const std::string text = tokenTextOf(tc, key, tcFile);
            if (text.empty())
                return -1;
            const int64_t id = idOfToken(text, tc, tokenizerJson);
            if (id < 0)
                throw FormatError(tcFile, key, "names \"" + text + "\", which no tokenizer file of the folder defines");
            return id;
        };
        if (r.bos < 0 && (r.bos = fromTokenizerConfig("bos_token")) >= 0)
            r.bosSource = "tokenizer_config.json";
        if (r.eos.empty())
            if (const int64_t id = fromTokenizerConfig("eos_token"); id >= 0) {
                r.eos = {id};
                r.eosSource = "tokenizer_config.json";
            }
    }
    if (tokenizer) {
        if (r.bos < 0 && tokenizer->bosId() >= 0) {
            r.bos = tokenizer->bosId();
            r.bosSource = "tokenizer";
        }
        if (r.eos.empty() && tokenizer->eosId() >= 0) {
            r.eos = {tokenizer->eosId()};
            r.eosSource = "tokenizer";
        }
    }
    return r;
}

void applySpecialTokens(Model& model, const std::string& dir)
{
    const SpecialTokenIds ids = resolveSpecialTokens(dir, model.tokenizer.get());
    if (ids.bos >= 0)
        model.config.bosId = ids.bos;
    if (!ids.eos.empty()) {
        model.config.eosId = ids.eos.front();
        model.config.eosIds = ids.eos.size() > 1 ? ids.eos : std::vector<int64_t>{};
    }
    for (int64_t id : model.config.allEosIds())
        if (id < 0 || id >= model.config.vocabSize)
            throw FormatError(dir.empty() ? model.sourcePath : dir, "eos_token_id",
                              "id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(model.config.vocabSize));
}

} // namespace awb
