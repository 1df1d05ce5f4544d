#pragma once
// SentencePiece tokenizer (tokenizer.model / llama2.c's tok*.model), read and run natively.
// Debian's libsentencepiece bundles its own protobuf-lite with exported symbols that clash with
// the libprotobuf libtorch loads (the process crashes during static initialisation), so the
// ModelProto is decoded here (protobuf wire format) and BPE/Unigram encoding reimplemented; a
// test compares the ids with libsentencepiece run in a separate process.
// Normalisation: the "identity" rules (what llama2.c and Llama tokenizers use) with SentencePiece's
// whitespace handling; models with precompiled NFKC charsmaps are rejected rather than encoded wrongly.
#include "core/tokenizer/tokenizer.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace awb {

class SentencePieceTokenizer : public Tokenizer {
public:
    explicit SentencePieceTokenizer(const std::string& path); // throws IoError/FormatError naming the file

    std::vector<int64_t> encode(const std::string& text, bool addBos) const override;
    std::string decode(const std::vector<int64_t>& ids) const override;
    int64_t vocabSize() const override { return static_cast<int64_t>(m_pieces.size()); }
    int64_t bosId() const override { return m_bosId; }
    int64_t eosId() const override { return m_eosId; }
    std::string kind() const override { return m_unigram ? "sentencepiece-unigram" : "sentencepiece-bpe"; }
    std::string path() const override { return m_path; }

private:
    enum class PieceType { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6 };
    struct Piece {
        std::string text;
        float score = 0;
        PieceType type = PieceType::Normal;
    };
    std::string normalize(const std::string& text) const;
    std::vector<int64_t> encodeBpe(const std::string& normalized) const;
    std::vector<int64_t> encodeUnigram(const std::string& normalized) const;
    void appendSymbol(const std::string& symbol, std::vector<int64_t>& out) const; // byte fallback / unk

    std::string m_path;
    std::vector<Piece> m_pieces;
    std::unordered_map<std::string, int64_t> m_index; // encodable pieces only
    std::vector<std::string> m_userDefined;          // matched whole, longest first
    int64_t m_unkId = 0, m_bosId = -1, m_eosId = -1;
    int64_t m_byteIds[256];
    bool m_unigram = false;
    bool m_byteFallback = false;
    bool m_addDummyPrefix = true;
    bool m_removeExtraWhitespaces = true;
    bool m_escapeWhitespaces = true;
};

} // namespace awb
