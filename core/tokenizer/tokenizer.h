#pragma once
// Tokenizer interface shared by SentencePiece models and Hugging Face tokenizer.json files.
// Implementations are immutable after loading and safe to use from several threads.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace awb {

class Tokenizer {
public:
    virtual ~Tokenizer() = default;
    // Encodes text the way the format's reference implementation does by default (SentencePiece:
    // dummy-prefix "▁"; byte-level BPE: no prefix); BOS is put in front when addBos is true.
    virtual std::vector<int64_t> encode(const std::string& text, bool addBos) const = 0;
    virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
    virtual int64_t vocabSize() const = 0;
    virtual int64_t bosId() const = 0; // -1 when the vocabulary has none
    virtual int64_t eosId() const = 0;
    virtual std::string kind() const = 0; // e.g. "sentencepiece", "bpe-bytelevel"
    virtual std::string path() const = 0;
};

// Loads tokenizer.model (SentencePiece) or tokenizer.json (Hugging Face) by file name/extension.
// Throws IoError/FormatError naming the file.
std::shared_ptr<Tokenizer> loadTokenizer(const std::string& path);

} // namespace awb
