#pragma once
// Hugging Face tokenizer.json BPE tokenizers, the two families LLaMA-style models ship:
//  - byte-level BPE (GPT-2 byte-to-unicode alphabet, regex pre-tokenizer), as Llama-3 and Qwen2 use;
//  - SentencePiece-style BPE ("▁" for spaces, optional byte fallback <0xNN>), as Llama-2/Mistral use.
// Implemented here (no Python, no Rust tokenizers); immutable after loading, thread-safe to use.
#include "core/tokenizer/tokenizer.h"

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace awb {

class BpeTokenizer : public Tokenizer {
public:
    explicit BpeTokenizer(const std::string& path); // throws IoError/FormatError naming file and field
    ~BpeTokenizer() override;

    std::vector<int64_t> encode(const std::string& text, bool addBos) const override;
    std::string decode(const std::vector<int64_t>& ids) const override;
    int64_t vocabSize() const override;
    int64_t bosId() const override { return m_bosId; }
    int64_t eosId() const override { return m_eosId; }
    std::string kind() const override;
    std::string path() const override { return m_path; }

private:
    struct Impl;
    std::string m_path;
    int64_t m_bosId = -1;
    int64_t m_eosId = -1;
    std::unique_ptr<Impl> m_impl;
};

} // namespace awb
