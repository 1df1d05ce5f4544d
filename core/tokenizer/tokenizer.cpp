#include "core/tokenizer/tokenizer.h"

#include "core/tokenizer/bpe_tokenizer.h"
#include "core/base/error.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"

#include <filesystem>

namespace awb {

std::shared_ptr<Tokenizer> loadTokenizer(const std::string& path)
{
    if (!std::filesystem::is_regular_file(path))
        throw IoError(path + ": tokenizer file not found");
    if (std::filesystem::path(path).extension() == ".json")
        return std::make_shared<BpeTokenizer>(path);
    return std::make_shared<SentencePieceTokenizer>(path);
}

} // namespace awb
