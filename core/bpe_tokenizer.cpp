// Placeholder until the tokenizer.json implementation lands: refuses clearly.
#include "core/bpe_tokenizer.h"

#include "core/error.h"

namespace awb {
struct BpeTokenizer::Impl {};
BpeTokenizer::BpeTokenizer(const std::string& path) : m_path(path)
{
    throw FormatError(path, "", "tokenizer.json support is not built yet");
}
BpeTokenizer::~BpeTokenizer() = default;
std::vector<int64_t> BpeTokenizer::encode(const std::string&, bool) const { return {}; }
std::string BpeTokenizer::decode(const std::vector<int64_t>&) const { return {}; }
int64_t BpeTokenizer::vocabSize() const { return 0; }
std::string BpeTokenizer::kind() const { return "bpe"; }
} // namespace awb
