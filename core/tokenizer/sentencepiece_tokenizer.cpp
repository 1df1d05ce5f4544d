#include "core/tokenizer/sentencepiece_tokenizer.h"

#include "core/base/error.h"
#include "core/base/utf8.h"
#include "core/base/mapped_file.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <queue>

namespace awb {

namespace {
const std::string kSpace = "\xE2\x96\x81"; // U+2581 "▁"

// Minimal protobuf wire-format reader: enough for sentencepiece_model.proto.
class WireReader {
public:
    WireReader(const uint8_t* data, size_t size, const std::string& file, const std::string& field)
        : m_p(data), m_end(data + size), m_file(file), m_field(field) {}
    bool done() const { return m_p >= m_end; }
    uint64_t varint()
    {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_p >= m_end)
                fail("truncated varint");
            const uint8_t c = *m_p++;
            v |= uint64_t(c & 0x7F) << shift;
            if (c < 0x80)
                return v;
        }
        fail("varint too long");
        return 0;
    }
    // Reads a key; returns field number and sets wire type.
    uint32_t key(int& wireType)
    {
        const uint64_t k = varint();
        wireType = static_cast<int>(k & 7);
        return static_cast<uint32_t>(k >> 3);
    }
    std::pair<const uint8_t*, size_t> bytes()
    {
        const uint64_t n = varint();
        if (n > static_cast<uint64_t>(m_end - m_p))
            fail("length-delimited field runs past the end of the file");
        auto out = std::make_pair(m_p, static_cast<size_t>(n));
        m_p += n;
        return out;
    }
    float fixed32()
    {
        if (m_end - m_p < 4)
            fail("truncated fixed32");
        float f;
        std::memcpy(&f, m_p, 4);
        m_p += 4;
        return f;
    }
    void skip(int wireType)
    {
        switch (wireType) {
        case 0: varint(); break;
        case 1: if (m_end - m_p < 8) fail("truncated fixed64"); m_p += 8; break;
        case 2: bytes(); break;
        case 5: fixed32(); break;
        default: fail("unknown wire type " + std::to_string(wireType));
        }
    }
    [[noreturn]] void fail(const std::string& what) const { throw FormatError(m_file, m_field, what); }

private:
    const uint8_t* m_p;
    const uint8_t* m_end;
    std::string m_file, m_field;
};

std::string replaceAll(std::string s, const std::string& from, const std::string& to)
{
    for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
        s.replace(pos, from.size(), to);
    return s;
}
} // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& path) : m_path(path)
{
    auto file = MappedFile::open(path);
    WireReader model(file->data(), file->size(), path, "ModelProto");
    bool sawNormalizer = false;
    while (!model.done()) {
        int wt = 0;
        const uint32_t field = model.key(wt);
        if (field == 1 && wt == 2) { // repeated SentencePiece pieces
            auto [p, n] = model.bytes();
            WireReader r(p, n, path, "pieces[" + std::to_string(m_pieces.size()) + "]");
            Piece piece;
            while (!r.done()) {
                int t = 0;
                const uint32_t f = r.key(t);
                if (f == 1 && t == 2) {
                    auto [s, len] = r.bytes();
                    piece.text.assign(reinterpret_cast<const char*>(s), len);
                } else if (f == 2 && t == 5) {
                    piece.score = r.fixed32();
                } else if (f == 3 && t == 0) {
                    const uint64_t type = r.varint();
                    if (type < 1 || type > 6)
                        r.fail("unknown piece type " + std::to_string(type));
                    piece.type = static_cast<PieceType>(type);
                } else {
                    r.skip(t);
                }
            }
            m_pieces.push_back(std::move(piece));
        } else if (field == 2 && wt == 2) { // TrainerSpec
            auto [p, n] = model.bytes();
            WireReader r(p, n, path, "trainer_spec");
            while (!r.done()) {
                int t = 0;
                const uint32_t f = r.key(t);
                if (f == 3 && t == 0) {
                    const uint64_t type = r.varint();
                    if (type != 1 && type != 2)
                        r.fail("model_type " + std::to_string(type) + " is not supported (unigram or BPE)");
                    m_unigram = type == 1;
                } else if (f == 35 && t == 0) {
                    m_byteFallback = r.varint() != 0;
                } else {
                    r.skip(t);
                }
            }
        } else if (field == 3 && wt == 2) { // NormalizerSpec
            sawNormalizer = true;
            auto [p, n] = model.bytes();
            WireReader r(p, n, path, "normalizer_spec");
            std::string name;
            size_t charsmapBytes = 0;
            while (!r.done()) {
                int t = 0;
                const uint32_t f = r.key(t);
                if (f == 1 && t == 2) {
                    auto [s, len] = r.bytes();
                    name.assign(reinterpret_cast<const char*>(s), len);
                } else if (f == 2 && t == 2) {
                    charsmapBytes = r.bytes().second;
                } else if (f == 3 && t == 0) {
                    m_addDummyPrefix = r.varint() != 0;
                } else if (f == 4 && t == 0) {
                    m_removeExtraWhitespaces = r.varint() != 0;
                } else if (f == 5 && t == 0) {
                    m_escapeWhitespaces = r.varint() != 0;
                } else {
                    r.skip(t);
                }
            }
            if (charsmapBytes > 0)
                throw FormatError(path, "normalizer_spec", "normalization rules \"" + name +
                                                               "\" (precompiled charsmap) are not supported; only identity");
        } else {
            model.skip(wt);
        }
    }
    if (m_pieces.empty())
        throw FormatError(path, "pieces", "no pieces: not a SentencePiece model");
    if (!sawNormalizer)
        throw FormatError(path, "normalizer_spec", "missing: not a SentencePiece model");
    std::fill(std::begin(m_byteIds), std::end(m_byteIds), -1);
    for (size_t i = 0; i < m_pieces.size(); ++i) {
        const Piece& p = m_pieces[i];
        const auto id = static_cast<int64_t>(i);
        switch (p.type) {
        case PieceType::Normal:
            m_index.emplace(p.text, id);
            break;
        case PieceType::UserDefined:
            m_index.emplace(p.text, id);
            m_userDefined.push_back(p.text);
            break;
        case PieceType::Unknown:
            m_unkId = id;
            break;
        case PieceType::Control:
            if (p.text == "<s>")
                m_bosId = id;
            else if (p.text == "</s>")
                m_eosId = id;
            break;
        case PieceType::Byte: {
            unsigned value = 0;
            if (std::sscanf(p.text.c_str(), "<0x%02X>", &value) == 1 && value < 256)
                m_byteIds[value] = id;
            break;
        }
        case PieceType::Unused:
            break;
        }
    }
    std::sort(m_userDefined.begin(), m_userDefined.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string SentencePieceTokenizer::normalize(const std::string& text) const
{
    std::string s = text;
    if (m_removeExtraWhitespaces) {
        std::string collapsed;
        bool pendingSpace = false;
        for (char c : s) {
            if (c == ' ') {
                pendingSpace = !collapsed.empty();
                continue;
            }
            if (pendingSpace)
                collapsed += ' ';
            pendingSpace = false;
            collapsed += c;
        }
        s = collapsed;
    }
    if (s.empty())
        return s;
    if (m_addDummyPrefix)
        s.insert(0, " ");
    if (m_escapeWhitespaces)
        s = replaceAll(s, " ", kSpace);
    return s;
}

void SentencePieceTokenizer::appendSymbol(const std::string& symbol, std::vector<int64_t>& out) const
{
    auto it = m_index.find(symbol);
    if (it != m_index.end()) {
        out.push_back(it->second);
        return;
    }
    if (m_byteFallback) {
        for (unsigned char c : symbol)
            out.push_back(m_byteIds[c] >= 0 ? m_byteIds[c] : m_unkId);
        return;
    }
    // SentencePiece emits one unk per unknown character run
    if (out.empty() || out.back() != m_unkId)
        out.push_back(m_unkId);
}

std::vector<int64_t> SentencePieceTokenizer::encodeBpe(const std::string& s) const
{
    // Initial symbols: user-defined pieces matched whole, otherwise single UTF-8 characters.
    struct Symbol {
        size_t begin, length;
        int prev, next;
        bool frozen; // user-defined symbols never merge
    };
    std::vector<Symbol> symbols;
    for (size_t i = 0; i < s.size();) {
        size_t len = 0;
        bool user = false;
        for (const auto& u : m_userDefined)
            if (s.compare(i, u.size(), u) == 0) {
                len = u.size();
                user = true;
                break;
            }
        if (!len)
            len = std::min(utf8SequenceLength(static_cast<unsigned char>(s[i])), s.size() - i);
        const int idx = static_cast<int>(symbols.size());
        symbols.push_back({i, len, idx - 1, idx + 1, user});
        i += len;
    }
    if (!symbols.empty())
        symbols.back().next = -1;

    // Highest score first; among equal scores the leftmost pair (SentencePiece's order).
    struct Pair {
        float score;
        int left, right;
        size_t length;
        bool operator<(const Pair& o) const { return score != o.score ? score < o.score : left > o.left; }
    };
    std::priority_queue<Pair> agenda;
    auto tryPair = [&](int left, int right) {
        if (left < 0 || right < 0 || symbols[left].frozen || symbols[right].frozen)
            return;
        const size_t length = symbols[left].length + symbols[right].length;
        auto it = m_index.find(s.substr(symbols[left].begin, length));
        if (it == m_index.end())
            return;
        agenda.push({m_pieces[it->second].score, left, right, length});
    };
    for (size_t i = 0; i + 1 < symbols.size(); ++i)
        tryPair(static_cast<int>(i), static_cast<int>(i + 1));
    while (!agenda.empty()) {
        const Pair top = agenda.top();
        agenda.pop();
        Symbol& l = symbols[top.left];
        Symbol& r = symbols[top.right];
        if (l.length == 0 || r.length == 0 || l.next != top.right || l.length + r.length != top.length)
            continue; // stale entry: one side has merged since
        l.length += r.length;
        l.next = r.next;
        if (r.next >= 0)
            symbols[r.next].prev = top.left;
        r.length = 0;
        tryPair(l.prev, top.left);
        tryPair(top.left, l.next);
    }
    std::vector<int64_t> out;
    for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next)
        appendSymbol(s.substr(symbols[i].begin, symbols[i].length), out);
    return out;
}

std::vector<int64_t> SentencePieceTokenizer::encodeUnigram(const std::string& s) const
{
    // Viterbi over character boundaries: best total score of pieces covering s[0, i).
    const float unkPenalty = -10.0f + std::min_element(m_pieces.begin(), m_pieces.end(), [](const Piece& a, const Piece& b) {
                                          return a.score < b.score;
                                      })->score;
    std::vector<float> best(s.size() + 1, -std::numeric_limits<float>::infinity());
    std::vector<size_t> from(s.size() + 1, 0);
    best[0] = 0;
    for (size_t i = 0; i < s.size(); i += utf8SequenceLength(static_cast<unsigned char>(s[i]))) {
        if (best[i] == -std::numeric_limits<float>::infinity())
            continue;
        const size_t charLen = std::min(utf8SequenceLength(static_cast<unsigned char>(s[i])), s.size() - i);
        bool found = false;
        for (size_t j = i + charLen; j <= s.size(); j += (j < s.size() ? utf8SequenceLength(static_cast<unsigned char>(s[j])) : 1)) {
            auto it = m_index.find(s.substr(i, j - i));
            if (it != m_index.end()) {
                const float score = best[i] + (m_pieces[it->second].type == PieceType::UserDefined ? 0.0f : m_pieces[it->second].score);
                if (score > best[j]) {
                    best[j] = score;
                    from[j] = i;
                }
                found = found || j == i + charLen;
            }
            if (j - i > 64)
                break;
        }
        if (!found && best[i] + unkPenalty > best[i + charLen]) {
            best[i + charLen] = best[i] + unkPenalty;
            from[i + charLen] = i;
        }
    }
    std::vector<std::string> pieces;
    for (size_t j = s.size(); j > 0; j = from[j])
        pieces.push_back(s.substr(from[j], j - from[j]));
    std::vector<int64_t> out;
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it)
        appendSymbol(*it, out);
    return out;
}

std::vector<int64_t> SentencePieceTokenizer::encode(const std::string& text, bool addBos) const
{
    const std::string normalized = normalize(text);
    std::vector<int64_t> body = m_unigram ? encodeUnigram(normalized) : encodeBpe(normalized);
    if (!addBos || m_bosId < 0)
        return body;
    body.insert(body.begin(), m_bosId);
    return body;
}

std::string SentencePieceTokenizer::decode(const std::vector<int64_t>& ids) const
{
    std::string out;
    for (int64_t id : ids) {
        if (id < 0 || id >= vocabSize())
            throw ArgumentError(m_path + ": token id " + std::to_string(id) + " outside the vocabulary");
        const Piece& p = m_pieces[id];
        if (p.type == PieceType::Control || p.type == PieceType::Unused)
            continue;
        if (p.type == PieceType::Byte) {
            unsigned value = 0;
            std::sscanf(p.text.c_str(), "<0x%02X>", &value);
            out += static_cast<char>(value);
        } else if (p.type == PieceType::Unknown) {
            out += " \xE2\x81\x87 "; // SentencePiece's default unk surface " ⁇ "
        } else {
            out += p.text;
        }
    }
    if (m_escapeWhitespaces)
        out = replaceAll(out, kSpace, " ");
    if (m_addDummyPrefix && !out.empty() && out[0] == ' ')
        out.erase(0, 1);
    return out;
}

} // namespace awb
