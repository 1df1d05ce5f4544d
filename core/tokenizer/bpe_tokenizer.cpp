// Hugging Face tokenizer.json BPE, reimplemented so that it gives the ids the `tokenizers` library
// (Rust, 0.23) gives. The pipeline follows the library's TokenizerImpl::encode step for step:
//
//   added tokens that are not "normalized", matched on the raw text
//   -> normalizer, per remaining segment
//   -> added tokens that are "normalized", matched on the normalized segment
//   -> pre-tokenizer (regex split, byte-level mapping, metaspace)
//   -> BPE model per pre-token (byte fallback / unk, lowest-rank merge first, ignore_merges)
//
// The post-processor is not run: callers ask for BOS with addBos, which is all LLaMA templates add.
// Every component is parsed into a small step type below. A component we do not implement is
// refused at load with a FormatError naming its field, never tokenized "almost right".
//
// Deliberate approximations (documented where they live):
//  - \p{L}, \p{N} and \s of the split regexes come from a built-in table of the Unicode 16.0
//    general categories (the version the library's Oniguruma knows); code points assigned later
//    count as "other", as they do there.
//  - The NFC normalizer (Qwen2) is treated as the identity: the input is assumed to be NFC already,
//    which text from files and keyboards nearly always is. Decomposed input (e + U+0301) can differ.
//  - \w for added tokens with single_word misses the few Other_Alphabetic symbols (circled letters).
//  - BPE dropout is ignored: encoding is deterministic, which is what evaluation needs.
#include "core/tokenizer/bpe_tokenizer.h"

#include "core/base/error.h"
#include "core/base/utf8.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <functional>
#include <queue>
#include <sstream>
#include <tuple>
#include <unordered_set>
#include <utility>

namespace awb {

namespace {

using Json = nlohmann::json;

std::vector<char32_t> toCodePoints(const std::string& s)
{
    std::vector<char32_t> cps;
    cps.reserve(s.size());
    char32_t cp = 0;
    for (size_t pos = 0; pos < s.size();) {
        const size_t n = decodeUtf8(s, pos, cp);
        // Text reaching here was validated on entry; keep going byte-wise if it ever is not.
        cps.push_back(n ? cp : char32_t(0xFFFD));
        pos += n ? n : 1;
    }
    return cps;
}

// ------------------------------------------------------------------------------------------------
// Unicode character classes for the split regexes.
//
// The regexes ask three questions: letter (\p{L}), number (\p{N}), white space (\s); the
// single_word flag of added tokens asks a fourth, word character (\w). ASCII is answered in code;
// above it, kRanges holds the Unicode 16.0 general categories that matter (L*, M*, Nd, Nl, No, Pc;
// everything else is "other"). Unicode 16.0 is what the Oniguruma build inside the tokenizers
// library knows: it treats 16.0 additions as letters and 17.0 ones as not. The table is generated
// by bench/tools/gen_unicode_categories.py (unicodedata2 16.0.0; the standard module lags behind).
// Code points assigned after 16.0 count as "other", as in the library.
namespace ucd {

enum Category : unsigned char { L, M, Nd, Nl, No, Pc };

struct Range {
    char32_t first;
    char32_t last;
    Category category;
};

const Range kRanges[] = {
#include "core/tokenizer/unicode_categories.inc"
};

// The category of a non-ASCII code point, or false when it is none of the above ("other").
bool lookup(char32_t cp, Category& category)
{
    const auto* it = std::upper_bound(std::begin(kRanges), std::end(kRanges), cp,
                                      [](char32_t c, const Range& r) { return c < r.first; });
    if (it == std::begin(kRanges) || cp > (it - 1)->last)
        return false;
    category = (it - 1)->category;
    return true;
}

} // namespace ucd

enum class CharClass : unsigned char { Other, Letter, Number, Space };

// Unicode White_Space, which is what \s means to Oniguruma and to Rust's regex crate.
bool isWhiteSpace(char32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
        || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
        || cp == 0x205F || cp == 0x3000;
}

CharClass classify(char32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
            return CharClass::Letter;
        if (cp >= '0' && cp <= '9')
            return CharClass::Number;
        return isWhiteSpace(cp) ? CharClass::Space : CharClass::Other;
    }
    if (isWhiteSpace(cp))
        return CharClass::Space;
    ucd::Category category;
    if (!ucd::lookup(cp, category))
        return CharClass::Other;
    switch (category) {
    case ucd::L:
        return CharClass::Letter;
    case ucd::Nd:
    case ucd::Nl:
    case ucd::No:
        return CharClass::Number;
    default:
        return CharClass::Other;
    }
}

// Rust regex's \w (the library checks single_word with it): Alphabetic, marks, decimal digits,
// connector punctuation, ZWNJ/ZWJ. Approximated by letters, Nl, marks, Nd, Pc, ZWNJ/ZWJ: the few
// Other_Alphabetic symbols (circled letters ...) are missed.
bool isWordChar(char32_t cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')
            || cp == '_';
    if (cp == 0x200C || cp == 0x200D)
        return true;
    ucd::Category category;
    return ucd::lookup(cp, category) && category != ucd::No;
}

// ------------------------------------------------------------------------------------------------
// The split regexes, as hand-written scanners (std::regex has no \p{L}; no ICU dependency).
// Each matchXxx returns the length in code points of the match the regex would find at i, trying
// the alternatives in order as a backtracking engine does, or 0 when none matches there.

enum class SplitRegex {
    // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    Gpt2,
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
    // \s*[\r\n]+|\s+(?!\S)|\s+
    Llama3,
    // Llama3 with \p{N} instead of \p{N}{1,3}: one digit per pre-token.
    Qwen2,
};

const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen2Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct ClassifiedText {
    std::vector<char32_t> cps;
    std::vector<CharClass> cls;
};

bool isCrLf(char32_t cp) { return cp == '\r' || cp == '\n'; }

// Case folding as (?i) applies it to the contraction letters: ASCII, plus U+017F LATIN SMALL LETTER
// LONG S, which folds to 's' (the library splits "'ſ" off like "'s").
char32_t foldContraction(char32_t cp)
{
    if (cp >= 'A' && cp <= 'Z')
        return cp + ('a' - 'A');
    if (cp == 0x17F)
        return 's';
    return cp;
}

size_t matchContraction(const ClassifiedText& t, size_t i, bool ignoreCase)
{
    const size_t n = t.cps.size();
    if (t.cps[i] != '\'' || i + 1 >= n)
        return 0;
    const auto fold = [&](char32_t cp) { return ignoreCase ? foldContraction(cp) : cp; };
    const char32_t a = fold(t.cps[i + 1]);
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
        return 2;
    if (i + 2 < n) {
        const char32_t b = fold(t.cps[i + 2]);
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
            return 3;
    }
    return 0;
}

size_t matchLlama3(const ClassifiedText& t, size_t i, size_t maxDigits)
{
    const size_t n = t.cps.size();
    const auto cls = [&](size_t k) { return t.cls[k]; };
    if (const size_t len = matchContraction(t, i, true))
        return len;
    // [^\r\n\p{L}\p{N}]?\p{L}+ : the optional prefix is taken only when a letter follows it.
    {
        size_t j = i;
        if (cls(j) != CharClass::Letter && cls(j) != CharClass::Number && !isCrLf(t.cps[j])
            && j + 1 < n && cls(j + 1) == CharClass::Letter)
            ++j;
        if (cls(j) == CharClass::Letter) {
            while (j < n && cls(j) == CharClass::Letter)
                ++j;
            return j - i;
        }
    }
    // \p{N}{1,3}
    if (cls(i) == CharClass::Number) {
        size_t j = i;
        while (j < n && j - i < maxDigits && cls(j) == CharClass::Number)
            ++j;
        return j - i;
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    {
        size_t j = i;
        if (t.cps[j] == ' ' && j + 1 < n && cls(j + 1) == CharClass::Other)
            ++j;
        if (cls(j) == CharClass::Other) {
            while (j < n && cls(j) == CharClass::Other)
                ++j;
            while (j < n && isCrLf(t.cps[j]))
                ++j;
            return j - i;
        }
    }
    if (cls(i) != CharClass::Space)
        return 0;
    size_t end = i;
    while (end < n && cls(end) == CharClass::Space)
        ++end;
    // \s*[\r\n]+ : \s* backtracks to the last CR/LF of the run; nothing after it is CR/LF.
    for (size_t k = end; k > i; --k) {
        if (isCrLf(t.cps[k - 1]))
            return k - i;
    }
    // \s+(?!\S) : the whole run at the end of the text, else all but the last space of a run of two
    // or more (which then goes with the word after it).
    if (end == n)
        return end - i;
    if (end - i >= 2)
        return end - 1 - i;
    return end - i; // \s+
}

size_t matchGpt2(const ClassifiedText& t, size_t i)
{
    const size_t n = t.cps.size();
    if (const size_t len = matchContraction(t, i, false))
        return len;
    //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+
    for (const CharClass want : {CharClass::Letter, CharClass::Number, CharClass::Other}) {
        size_t j = i;
        if (t.cps[j] == ' ' && j + 1 < n && t.cls[j + 1] == want)
            ++j;
        if (t.cls[j] == want) {
            while (j < n && t.cls[j] == want)
                ++j;
            return j - i;
        }
    }
    if (t.cls[i] != CharClass::Space)
        return 0;
    size_t end = i;
    while (end < n && t.cls[end] == CharClass::Space)
        ++end;
    if (end == n || end - i < 2)
        return end - i; // \s+(?!\S) at the end, or \s+ for a single space before a word
    return end - 1 - i; // \s+(?!\S)
}

// Splits s the way Split(regex, behavior=Isolated) does: every match is a piece, and so is any text
// between matches (there is none for these regexes, whose alternatives cover every character).
void splitByRegex(const std::string& s, SplitRegex re, std::vector<std::string>& out)
{
    ClassifiedText t;
    t.cps = toCodePoints(s);
    t.cls.reserve(t.cps.size());
    for (const char32_t cp : t.cps)
        t.cls.push_back(classify(cp));
    const auto text = [&](size_t from, size_t to) {
        std::string piece;
        for (size_t k = from; k < to; ++k)
            appendUtf8(piece, t.cps[k]);
        return piece;
    };
    const size_t n = t.cps.size();
    size_t gapStart = 0;
    for (size_t i = 0; i < n;) {
        const size_t len = re == SplitRegex::Gpt2 ? matchGpt2(t, i)
                                                  : matchLlama3(t, i, re == SplitRegex::Qwen2 ? 1 : 3);
        if (len == 0) {
            ++i;
            continue;
        }
        if (gapStart < i)
            out.push_back(text(gapStart, i));
        out.push_back(text(i, i + len));
        i += len;
        gapStart = i;
    }
    if (gapStart < n)
        out.push_back(text(gapStart, n));
}

// ------------------------------------------------------------------------------------------------
// GPT-2's byte-to-unicode alphabet: printable bytes stand for themselves, the others are moved to
// U+0100 and up so that every byte is a visible character in vocab.json/merges.

struct ByteAlphabet {
    std::array<std::string, 256> byteToChar;
    std::array<int, 0x144> charToByte{}; // every mapped code point is below U+0144; -1: not mapped
};

const ByteAlphabet& byteAlphabet()
{
    static const ByteAlphabet alphabet = [] {
        ByteAlphabet a;
        a.charToByte.fill(-1);
        int n = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            const char32_t cp = printable ? char32_t(b) : char32_t(256 + n++);
            appendUtf8(a.byteToChar[b], cp);
            a.charToByte[cp] = b;
        }
        return a;
    }();
    return alphabet;
}

// ------------------------------------------------------------------------------------------------
// Pipeline steps parsed from tokenizer.json. Sequences are flattened: applying a Sequence is
// applying its members in order, for normalizers, pre-tokenizers and decoders alike.

enum class PrependScheme { Always, First, Never };

struct NormalizerStep {
    enum class Type { Prepend, Replace, Nfc, Strip } type;
    std::string text;    // Prepend: what to prepend; Replace: the literal pattern
    std::string content; // Replace: the replacement
    bool stripLeft = false;
    bool stripRight = false;
};

struct PreTokenizerStep {
    enum class Type { ByteLevel, Split, Metaspace } type;
    bool addPrefixSpace = false; // ByteLevel
    bool useRegex = false;       // ByteLevel: split with the GPT-2 regex first
    SplitRegex regex = SplitRegex::Gpt2;
    std::string replacement; // Metaspace
    PrependScheme scheme = PrependScheme::Always;
    bool split = true; // Metaspace: split before each replacement character
};

struct DecoderStep {
    enum class Type { ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace } type;
    std::string pattern; // Replace
    std::string content; // Replace: replacement; Strip: the character; Metaspace: replacement
    size_t start = 0;    // Strip
    size_t stop = 0;
    PrependScheme scheme = PrependScheme::Always;
};

struct AddedToken {
    std::string content;
    std::string pattern; // what is matched and decoded: content, normalized when normalized=true
    uint32_t id = 0;
    bool singleWord = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = true;
    bool special = false;
};

// The added tokens of one matching pass, indexed by first byte, longest first, so that the first
// hit at a position is the leftmost-longest match the library's Aho-Corasick automaton reports.
struct AddedMatcher {
    std::array<std::vector<size_t>, 256> byFirstByte;
    bool empty = true;
};

struct Segment {
    size_t begin = 0;
    size_t end = 0;
    int64_t added = -1; // index into Impl::added, or -1 for plain text
};

struct Piece {
    std::string text;
    bool atStart = false; // begins at offset 0 of the original text (Metaspace prepend_scheme=first)
};

std::string replaceAll(const std::string& s, const std::string& from, const std::string& to)
{
    if (from.empty())
        return s;
    std::string out;
    out.reserve(s.size());
    size_t pos = 0;
    for (size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
        out.append(s, pos, hit - pos);
        out += to;
    }
    out.append(s, pos, std::string::npos);
    return out;
}

bool startsWith(const std::string& s, const std::string& prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

std::string fieldAt(const std::string& field, size_t index)
{
    return field + "[" + std::to_string(index) + "]";
}

} // namespace

struct BpeTokenizer::Impl {
    std::string path;

    // The BPE model.
    std::unordered_map<std::string, uint32_t> vocab;
    std::unordered_map<uint32_t, std::string> vocabById;
    std::unordered_map<uint64_t, std::pair<uint32_t, uint32_t>> merges; // (left, right) -> (rank, id)
    std::string unkToken;
    bool hasUnkToken = false;
    bool byteFallback = false;
    bool fuseUnk = false;
    bool ignoreMerges = false;
    std::string continuingSubwordPrefix;
    std::string endOfWordSuffix;
    std::array<int64_t, 256> byteTokenIds{}; // <0xNN> ids for byte_fallback; -1: not in the vocabulary

    std::vector<NormalizerStep> normalizer;
    std::vector<PreTokenizerStep> preTokenizer;
    std::vector<DecoderStep> decoder;
    bool hasDecoder = false;
    bool byteLevel = false;

    std::vector<AddedToken> added;
    std::unordered_map<uint32_t, size_t> addedById;
    std::unordered_set<std::string> specialContents;
    AddedMatcher rawMatcher;        // added tokens with normalized=false, matched on the raw text
    AddedMatcher normalizedMatcher; // the others, matched on normalized text

    int64_t maxId = -1; // vocabSize() is maxId + 1

    // -- loading ---------------------------------------------------------------------------------
    [[noreturn]] void fail(const std::string& field, const std::string& what) const
    {
        throw FormatError(path, field, what);
    }
    void loadModel(const Json& model);
    void loadAddedTokens(const Json& tokens);
    void parseNormalizer(const Json& j, const std::string& field);
    void parsePreTokenizer(const Json& j, const std::string& field);
    void parseDecoder(const Json& j, const std::string& field);
    void findBosEos(const Json& root, int64_t& bos, int64_t& eos) const;
    uint32_t idOf(const std::string& token, const std::string& field) const;
    std::string stringField(const Json& j, const char* key, const std::string& field) const;
    // Optional fields: absent or null gives the fallback, any other wrong type fails naming the
    // field (nlohmann's value() would throw its own type_error instead).
    bool optBoolField(const Json& j, const char* key, bool fallback, const std::string& field) const;
    std::string optStringField(const Json& j, const char* key, const std::string& fallback, const std::string& field) const;
    size_t optCountField(const Json& j, const char* key, const std::string& field) const;

    // -- encoding --------------------------------------------------------------------------------
    std::string normalize(std::string s) const;
    std::vector<Segment> splitAdded(const std::string& s, const AddedMatcher& matcher) const;
    std::vector<Piece> preTokenize(Piece piece) const;
    void tokenizeWord(const std::string& word, std::vector<int64_t>& out) const;
};

// ------------------------------------------------------------------------------------------------
// Loading

std::string BpeTokenizer::Impl::stringField(const Json& j, const char* key,
                                            const std::string& field) const
{
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string())
        fail(field + "." + key, "missing or not a string");
    return it->get<std::string>();
}

bool BpeTokenizer::Impl::optBoolField(const Json& j, const char* key, bool fallback, const std::string& field) const
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if (!it->is_boolean())
        fail(field + "." + key, "must be true or false, not " + it->dump());
    return it->get<bool>();
}

std::string BpeTokenizer::Impl::optStringField(const Json& j, const char* key, const std::string& fallback,
                                               const std::string& field) const
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return fallback;
    if (!it->is_string())
        fail(field + "." + key, "must be a string, not " + it->dump());
    return it->get<std::string>();
}

size_t BpeTokenizer::Impl::optCountField(const Json& j, const char* key, const std::string& field) const
{
    const auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return 0;
    if (!it->is_number_unsigned())
        fail(field + "." + key, "must be a non-negative integer, not " + it->dump());
    return it->get<size_t>();
}

uint32_t BpeTokenizer::Impl::idOf(const std::string& token, const std::string& field) const
{
    const auto it = vocab.find(token);
    if (it == vocab.end())
        fail(field, "token '" + token + "' is not in model.vocab");
    return it->second;
}

void BpeTokenizer::Impl::loadModel(const Json& model)
{
    if (!model.is_object())
        fail("model", "missing or not an object");
    if (const auto type = model.find("type"); type != model.end()) {
        if (!type->is_string() || type->get<std::string>() != "BPE")
            fail("model.type", "'" + (type->is_string() ? type->get<std::string>() : type->dump())
                                   + "' is not supported; only BPE tokenizers are");
    }
    const auto vocabIt = model.find("vocab");
    if (vocabIt == model.end() || !vocabIt->is_object())
        fail("model.vocab", "missing or not an object of token: id");
    vocab.reserve(vocabIt->size());
    for (const auto& [token, id] : vocabIt->items()) {
        if (!id.is_number_unsigned() || id.get<uint64_t>() > 0xFFFFFFFFull)
            fail("model.vocab[\"" + token + "\"]", "id must be a non-negative integer");
        const auto value = id.get<uint32_t>();
        vocab[token] = value;
        vocabById.emplace(value, token);
        maxId = std::max(maxId, int64_t(value));
    }

    const auto optString = [&](const char* key) -> std::pair<bool, std::string> {
        const auto it = model.find(key);
        if (it == model.end() || it->is_null())
            return {false, {}};
        if (!it->is_string())
            fail(std::string("model.") + key, "must be a string or null");
        return {true, it->get<std::string>()};
    };
    const auto optBool = [&](const char* key) {
        const auto it = model.find(key);
        if (it == model.end() || it->is_null())
            return false;
        if (!it->is_boolean())
            fail(std::string("model.") + key, "must be true or false");
        return it->get<bool>();
    };
    std::tie(hasUnkToken, unkToken) = optString("unk_token");
    continuingSubwordPrefix = optString("continuing_subword_prefix").second;
    endOfWordSuffix = optString("end_of_word_suffix").second;
    byteFallback = optBool("byte_fallback");
    fuseUnk = optBool("fuse_unk");
    ignoreMerges = optBool("ignore_merges");
    for (int b = 0; b < 256; ++b) {
        static const char* const hex = "0123456789ABCDEF";
        const std::string name = std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">";
        const auto it = vocab.find(name);
        byteTokenIds[b] = it == vocab.end() ? -1 : int64_t(it->second);
    }

    const auto mergesIt = model.find("merges");
    if (mergesIt == model.end() || !mergesIt->is_array())
        fail("model.merges", "missing or not an array");
    merges.reserve(mergesIt->size());
    uint32_t rank = 0;
    for (size_t i = 0; i < mergesIt->size(); ++i) {
        const Json& m = (*mergesIt)[i];
        const std::string field = fieldAt("model.merges", i);
        std::string left;
        std::string right;
        if (m.is_string()) {
            // Legacy "a b" lines, as merges.txt has them; "#version" headers do not count as ranks.
            const auto line = m.get<std::string>();
            if (startsWith(line, "#version"))
                continue;
            const size_t space = line.find(' ');
            if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
                fail(field, "'" + line + "' is not two tokens separated by one space");
            left = line.substr(0, space);
            right = line.substr(space + 1);
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            left = m[0].get<std::string>();
            right = m[1].get<std::string>();
        } else {
            fail(field, "must be \"a b\" or [\"a\", \"b\"]");
        }
        const uint32_t a = idOf(left, field);
        const uint32_t b = idOf(right, field);
        // The merged token drops the right part's continuing-subword prefix, as the library does.
        const std::string tail = startsWith(right, continuingSubwordPrefix)
                                     ? right.substr(continuingSubwordPrefix.size())
                                     : right;
        const uint32_t merged = idOf(left + tail, field);
        // A repeated pair keeps its last rank, as in the library's hash map.
        merges[(uint64_t(a) << 32) | b] = {rank++, merged};
    }
}

void BpeTokenizer::Impl::loadAddedTokens(const Json& tokens)
{
    if (tokens.is_null())
        return;
    if (!tokens.is_array())
        fail("added_tokens", "must be an array");
    // Ids follow the library's add_tokens, not the "id" written in the file (it only warns when they
    // differ): a token already in the vocabulary keeps that id, the others are numbered on from the
    // vocabulary's size. In well-formed files both agree.
    uint32_t nextId = uint32_t(vocab.size());
    std::unordered_map<std::string, size_t> byContent;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const Json& t = tokens[i];
        const std::string field = fieldAt("added_tokens", i);
        if (!t.is_object())
            fail(field, "must be an object");
        AddedToken token;
        token.content = stringField(t, "content", field);
        const auto flag = [&](const char* key, bool fallback) {
            const auto it = t.find(key);
            if (it == t.end() || it->is_null())
                return fallback;
            if (!it->is_boolean())
                fail(field + "." + key, "must be true or false");
            return it->get<bool>();
        };
        token.singleWord = flag("single_word", false);
        token.lstrip = flag("lstrip", false);
        token.rstrip = flag("rstrip", false);
        token.special = flag("special", false);
        token.normalized = flag("normalized", !token.special);
        if (token.content.empty())
            continue;
        if (firstInvalidUtf8(token.content) != std::string::npos)
            fail(field + ".content", "not valid UTF-8");
        if (const auto known = byContent.find(token.content); known != byContent.end()) {
            token.id = added[known->second].id;
        } else if (const auto inVocab = vocab.find(token.content); inVocab != vocab.end()) {
            token.id = inVocab->second;
        } else {
            token.id = nextId++;
        }
        token.pattern = token.normalized && !normalizer.empty() ? normalize(token.content)
                                                                : token.content;
        if (token.special)
            specialContents.insert(token.content);
        maxId = std::max(maxId, int64_t(token.id));
        if (const auto known = byContent.find(token.content); known != byContent.end()) {
            added[known->second] = token;
        } else {
            byContent.emplace(token.content, added.size());
            added.push_back(token);
        }
        addedById[token.id] = byContent[token.content];
    }
    for (size_t i = 0; i < added.size(); ++i) {
        if (addedById[added[i].id] != i || added[i].pattern.empty())
            continue; // a later token took this id over
        AddedMatcher& m = added[i].normalized ? normalizedMatcher : rawMatcher;
        m.byFirstByte[static_cast<unsigned char>(added[i].pattern[0])].push_back(i);
        m.empty = false;
    }
    for (AddedMatcher* m : {&rawMatcher, &normalizedMatcher}) {
        for (auto& list : m->byFirstByte) {
            std::stable_sort(list.begin(), list.end(), [&](size_t a, size_t b) {
                return added[a].pattern.size() > added[b].pattern.size();
            });
        }
    }
}

void BpeTokenizer::Impl::parseNormalizer(const Json& j, const std::string& field)
{
    if (j.is_null())
        return;
    if (!j.is_object())
        fail(field, "must be an object or null");
    const std::string type = stringField(j, "type", field);
    if (type == "Sequence") {
        const auto list = j.find("normalizers");
        if (list == j.end() || !list->is_array())
            fail(field + ".normalizers", "missing or not an array");
        for (size_t i = 0; i < list->size(); ++i)
            parseNormalizer((*list)[i], fieldAt(field + ".normalizers", i));
    } else if (type == "Prepend") {
        normalizer.push_back({NormalizerStep::Type::Prepend, stringField(j, "prepend", field), {}});
    } else if (type == "Replace") {
        const auto pattern = j.find("pattern");
        if (pattern == j.end() || !pattern->is_object() || !pattern->contains("String")
            || !(*pattern)["String"].is_string())
            fail(field + ".pattern", "only literal {\"String\": ...} patterns are supported");
        normalizer.push_back({NormalizerStep::Type::Replace, (*pattern)["String"].get<std::string>(),
                              stringField(j, "content", field)});
    } else if (type == "NFC") {
        // Treated as the identity (see the file comment): input text is expected to be NFC.
        normalizer.push_back({NormalizerStep::Type::Nfc, {}, {}});
    } else if (type == "Strip") {
        NormalizerStep step{NormalizerStep::Type::Strip, {}, {}};
        step.stripLeft = optBoolField(j, "strip_left", true, field);
        step.stripRight = optBoolField(j, "strip_right", true, field);
        normalizer.push_back(step);
    } else {
        fail(field + ".type", "normalizer '" + type + "' is not supported");
    }
}

PrependScheme parsePrependScheme(const Json& j, const std::string& field, const std::string& path)
{
    // Older files say add_prefix_space; false means never, as the library reads it.
    if (const auto legacy = j.find("add_prefix_space");
        legacy != j.end() && legacy->is_boolean() && !legacy->get<bool>())
        return PrependScheme::Never;
    const auto it = j.find("prepend_scheme");
    if (it == j.end() || it->is_null())
        return PrependScheme::Always;
    const std::string s = it->is_string() ? it->get<std::string>() : std::string();
    if (s == "always")
        return PrependScheme::Always;
    if (s == "first")
        return PrependScheme::First;
    if (s == "never")
        return PrependScheme::Never;
    throw FormatError(path, field + ".prepend_scheme", "must be \"always\", \"first\" or \"never\"");
}

void BpeTokenizer::Impl::parsePreTokenizer(const Json& j, const std::string& field)
{
    if (j.is_null())
        return;
    if (!j.is_object())
        fail(field, "must be an object or null");
    const std::string type = stringField(j, "type", field);
    PreTokenizerStep step;
    if (type == "Sequence") {
        const auto list = j.find("pretokenizers");
        if (list == j.end() || !list->is_array())
            fail(field + ".pretokenizers", "missing or not an array");
        for (size_t i = 0; i < list->size(); ++i)
            parsePreTokenizer((*list)[i], fieldAt(field + ".pretokenizers", i));
        return;
    }
    if (type == "ByteLevel") {
        step.type = PreTokenizerStep::Type::ByteLevel;
        step.addPrefixSpace = optBoolField(j, "add_prefix_space", true, field);
        step.useRegex = optBoolField(j, "use_regex", true, field);
        byteLevel = true;
    } else if (type == "Split") {
        step.type = PreTokenizerStep::Type::Split;
        const auto pattern = j.find("pattern");
        if (pattern == j.end() || !pattern->is_object() || !pattern->contains("Regex")
            || !(*pattern)["Regex"].is_string())
            fail(field + ".pattern", "only {\"Regex\": ...} split patterns are supported");
        const std::string re = (*pattern)["Regex"].get<std::string>();
        if (re == kLlama3Pattern)
            step.regex = SplitRegex::Llama3;
        else if (re == kQwen2Pattern)
            step.regex = SplitRegex::Qwen2;
        else if (re == kGpt2Pattern)
            step.regex = SplitRegex::Gpt2;
        else
            fail(field + ".pattern", "split regex '" + re
                                         + "' is not supported (known: the GPT-2, Llama-3 and "
                                           "Qwen2 pre-tokenizer regexes)");
        if (optStringField(j, "behavior", "Isolated", field) != "Isolated" || optBoolField(j, "invert", false, field))
            fail(field + ".behavior", "only behavior \"Isolated\" without invert is supported");
    } else if (type == "Metaspace") {
        step.type = PreTokenizerStep::Type::Metaspace;
        step.replacement = stringField(j, "replacement", field);
        step.scheme = parsePrependScheme(j, field, path);
        step.split = optBoolField(j, "split", true, field);
    } else {
        fail(field + ".type", "pre-tokenizer '" + type + "' is not supported");
    }
    preTokenizer.push_back(step);
}

void BpeTokenizer::Impl::parseDecoder(const Json& j, const std::string& field)
{
    if (j.is_null())
        return;
    if (!j.is_object())
        fail(field, "must be an object or null");
    hasDecoder = true;
    const std::string type = stringField(j, "type", field);
    DecoderStep step;
    if (type == "Sequence") {
        const auto list = j.find("decoders");
        if (list == j.end() || !list->is_array())
            fail(field + ".decoders", "missing or not an array");
        for (size_t i = 0; i < list->size(); ++i)
            parseDecoder((*list)[i], fieldAt(field + ".decoders", i));
        return;
    }
    if (type == "ByteLevel") {
        step.type = DecoderStep::Type::ByteLevel;
        byteLevel = true;
    } else if (type == "Replace") {
        step.type = DecoderStep::Type::Replace;
        const auto pattern = j.find("pattern");
        if (pattern == j.end() || !pattern->is_object() || !pattern->contains("String")
            || !(*pattern)["String"].is_string())
            fail(field + ".pattern", "only literal {\"String\": ...} patterns are supported");
        step.pattern = (*pattern)["String"].get<std::string>();
        step.content = stringField(j, "content", field);
    } else if (type == "ByteFallback") {
        step.type = DecoderStep::Type::ByteFallback;
    } else if (type == "Fuse") {
        step.type = DecoderStep::Type::Fuse;
    } else if (type == "Strip") {
        step.type = DecoderStep::Type::Strip;
        step.content = stringField(j, "content", field);
        if (toCodePoints(step.content).size() != 1)
            fail(field + ".content", "must be one character");
        step.start = optCountField(j, "start", field);
        step.stop = optCountField(j, "stop", field);
    } else if (type == "Metaspace") {
        step.type = DecoderStep::Type::Metaspace;
        step.content = stringField(j, "replacement", field);
        step.scheme = parsePrependScheme(j, field, path);
    } else {
        fail(field + ".type", "decoder '" + type + "' is not supported");
    }
    decoder.push_back(step);
}

// BOS is the special token that the post-processor's single-sequence template puts before $A (what
// transformers adds with add_special_tokens=True); a template's trailing special token is the EOS.
// Files without a template fall back to the conventional names. EOS otherwise is the first of
// </s> (Llama-2, Mistral), <|end_of_text|> (Llama-3 base), <|endoftext|> (Qwen2, GPT-2),
// <|im_end|>, <|eot_id|> that exists: generation_config.json, which lists chat-model end tokens,
// is not read here.
void BpeTokenizer::Impl::findBosEos(const Json& root, int64_t& bos, int64_t& eos) const
{
    const auto idOfToken = [&](const std::string& content) -> int64_t {
        for (const auto& t : added) {
            if (t.content == content)
                return t.id;
        }
        const auto it = vocab.find(content);
        return it == vocab.end() ? -1 : int64_t(it->second);
    };
    std::vector<const Json*> processors;
    if (const auto pp = root.find("post_processor"); pp != root.end() && pp->is_object()) {
        processors.push_back(&*pp);
        if (const auto list = pp->find("processors"); list != pp->end() && list->is_array()) {
            for (const auto& p : *list)
                processors.push_back(&p);
        }
    }
    for (const Json* p : processors) {
        const std::string type = optStringField(*p, "type", "", "post_processor");
        if (type == "TemplateProcessing") {
            const auto single = p->find("single");
            const auto specials = p->find("special_tokens");
            if (single == p->end() || !single->is_array())
                continue;
            const auto specialId = [&](const Json& item) -> int64_t {
                if (!item.is_object() || !item.contains("SpecialToken") || !item["SpecialToken"].is_object())
                    return -1;
                const std::string name = optStringField(item["SpecialToken"], "id", "", "post_processor.single");
                // find(), never operator[]: on a const json a missing key is undefined behaviour
                if (specials != p->end() && specials->is_object()) {
                    const auto entry = specials->find(name);
                    if (entry != specials->end() && entry->is_object()) {
                        const auto ids = entry->find("ids");
                        if (ids != entry->end() && ids->is_array() && ids->size() == 1 && (*ids)[0].is_number_unsigned() &&
                            (*ids)[0].get<uint64_t>() <= 0xFFFFFFFFull)
                            return (*ids)[0].get<int64_t>();
                    }
                }
                return idOfToken(name);
            };
            if (!single->empty())
                bos = specialId(single->front());
            if (single->size() > 1 && !single->back().contains("SpecialToken"))
                continue;
            if (single->size() > 1)
                eos = specialId(single->back());
        } else if (type == "BertProcessing" || type == "RobertaProcessing") {
            const auto pairId = [&](const char* key) -> int64_t {
                const auto it = p->find(key);
                if (it != p->end() && it->is_array() && it->size() == 2 && (*it)[1].is_number_integer())
                    return (*it)[1].get<int64_t>();
                return -1;
            };
            bos = pairId("cls");
            eos = pairId("sep");
        }
    }
    if (bos < 0) {
        for (const char* name : {"<s>", "<|begin_of_text|>"}) {
            if ((bos = idOfToken(name)) >= 0)
                break;
        }
    }
    if (eos < 0) {
        for (const char* name : {"</s>", "<|end_of_text|>", "<|endoftext|>", "<|im_end|>", "<|eot_id|>"}) {
            if ((eos = idOfToken(name)) >= 0)
                break;
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Encoding

std::string BpeTokenizer::Impl::normalize(std::string s) const
{
    for (const auto& step : normalizer) {
        switch (step.type) {
        case NormalizerStep::Type::Prepend:
            if (!s.empty())
                s.insert(0, step.text);
            break;
        case NormalizerStep::Type::Replace:
            s = replaceAll(s, step.text, step.content);
            break;
        case NormalizerStep::Type::Nfc:
            break;
        case NormalizerStep::Type::Strip: {
            const auto cps = toCodePoints(s);
            size_t from = 0;
            size_t to = cps.size();
            while (step.stripLeft && from < to && isWhiteSpace(cps[from]))
                ++from;
            while (step.stripRight && to > from && isWhiteSpace(cps[to - 1]))
                --to;
            std::string out;
            for (size_t k = from; k < to; ++k)
                appendUtf8(out, cps[k]);
            s = std::move(out);
            break;
        }
        }
    }
    return s;
}

// The library's AddedVocabulary::find_matches: leftmost-longest matches, each possibly rejected
// (single_word) or widened over neighbouring white space (lstrip/rstrip); the search resumes after
// the match itself either way, as the automaton's iterator does.
std::vector<Segment> BpeTokenizer::Impl::splitAdded(const std::string& s,
                                                    const AddedMatcher& matcher) const
{
    std::vector<Segment> out;
    if (matcher.empty) {
        out.push_back({0, s.size(), -1});
        return out;
    }
    const auto lastCharStart = [&](size_t end) {
        size_t k = end - 1;
        while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80)
            --k;
        return k;
    };
    const auto endsWithWord = [&](size_t end) {
        char32_t cp = 0;
        return end > 0 && decodeUtf8(s, lastCharStart(end), cp) > 0 && isWordChar(cp);
    };
    const auto startsWithWord = [&](size_t begin) {
        char32_t cp = 0;
        return begin < s.size() && decodeUtf8(s, begin, cp) > 0 && isWordChar(cp);
    };
    size_t startOffset = 0;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t start = s.size();
        int64_t hit = -1;
        for (size_t p = pos; p < s.size() && hit < 0; ++p) {
            for (const size_t idx : matcher.byFirstByte[static_cast<unsigned char>(s[p])]) {
                if (s.compare(p, added[idx].pattern.size(), added[idx].pattern) == 0) {
                    hit = int64_t(idx);
                    start = p;
                    break;
                }
            }
        }
        if (hit < 0)
            break;
        const AddedToken& token = added[size_t(hit)];
        size_t stop = start + token.pattern.size();
        pos = stop;
        if (token.singleWord && (endsWithWord(start) || startsWithWord(stop)))
            continue;
        if (token.lstrip) {
            size_t k = start;
            while (k > 0) {
                const size_t b = lastCharStart(k);
                char32_t cp = 0;
                if (decodeUtf8(s, b, cp) == 0 || !isWhiteSpace(cp))
                    break;
                k = b;
            }
            start = std::max(k, startOffset);
        }
        if (token.rstrip) {
            char32_t cp = 0;
            for (size_t n; stop < s.size() && (n = decodeUtf8(s, stop, cp)) > 0 && isWhiteSpace(cp);)
                stop += n;
        }
        if (startOffset < start)
            out.push_back({startOffset, start, -1});
        out.push_back({start, stop, hit});
        startOffset = stop;
    }
    if (startOffset < s.size())
        out.push_back({startOffset, s.size(), -1});
    return out;
}

std::vector<Piece> BpeTokenizer::Impl::preTokenize(Piece piece) const
{
    std::vector<Piece> pieces;
    pieces.push_back(std::move(piece));
    std::vector<std::string> parts;
    for (const auto& step : preTokenizer) {
        std::vector<Piece> next;
        for (auto& p : pieces) {
            parts.clear();
            switch (step.type) {
            case PreTokenizerStep::Type::ByteLevel: {
                if (step.addPrefixSpace && !startsWith(p.text, " "))
                    p.text.insert(0, " ");
                if (step.useRegex)
                    splitByRegex(p.text, SplitRegex::Gpt2, parts);
                else
                    parts.push_back(p.text);
                const auto& alphabet = byteAlphabet();
                for (auto& part : parts) {
                    std::string mapped;
                    mapped.reserve(part.size() * 2);
                    for (const char c : part)
                        mapped += alphabet.byteToChar[static_cast<unsigned char>(c)];
                    part = std::move(mapped);
                }
                break;
            }
            case PreTokenizerStep::Type::Split:
                splitByRegex(p.text, step.regex, parts);
                break;
            case PreTokenizerStep::Type::Metaspace: {
                std::string text = replaceAll(p.text, " ", step.replacement);
                const bool prepend = step.scheme == PrependScheme::Always
                    || (step.scheme == PrependScheme::First && p.atStart);
                if (prepend && !startsWith(text, step.replacement))
                    text.insert(0, step.replacement);
                if (!step.split) {
                    parts.push_back(std::move(text));
                    break;
                }
                // MergedWithNext: each replacement character starts a new piece.
                size_t from = 0;
                for (size_t hit = text.find(step.replacement, 1); hit != std::string::npos;
                     hit = text.find(step.replacement, hit + step.replacement.size())) {
                    parts.push_back(text.substr(from, hit - from));
                    from = hit;
                }
                parts.push_back(text.substr(from));
                break;
            }
            }
            bool first = true;
            for (auto& part : parts) {
                if (part.empty())
                    continue;
                next.push_back({std::move(part), p.atStart && first});
                first = false;
            }
        }
        pieces = std::move(next);
    }
    return pieces;
}

// The library's BPE::merge_word + Word::merge_all: one symbol per character (or its <0xNN> bytes,
// or a possibly fused unk), then the lowest-rank merge first, leftmost on ties, via a min-heap of
// candidate pairs whose stale entries are skipped when popped. O(n log n) per word.
void BpeTokenizer::Impl::tokenizeWord(const std::string& word, std::vector<int64_t>& out) const
{
    if (word.empty())
        return;
    if (ignoreMerges) {
        if (const auto it = vocab.find(word); it != vocab.end()) {
            out.push_back(it->second);
            return;
        }
    }
    struct Symbol {
        uint32_t id;
        int64_t prev;
        int64_t next;
        size_t len; // bytes of the word it covers; 0 once merged into its left neighbour
    };
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    const auto add = [&](uint32_t id, size_t len) {
        const int64_t index = int64_t(symbols.size());
        if (!symbols.empty())
            symbols.back().next = index;
        symbols.push_back({id, index - 1, -1, len});
    };
    bool pendingUnk = false;
    uint32_t unkId = 0;
    size_t unkLen = 0;
    const auto unkTokenId = [&]() {
        const auto it = vocab.find(unkToken);
        if (it == vocab.end())
            fail("model.unk_token", "'" + unkToken + "' is not in model.vocab");
        return it->second;
    };
    std::string key;
    char32_t cp = 0;
    for (size_t pos = 0; pos < word.size();) {
        size_t n = decodeUtf8(word, pos, cp);
        if (n == 0)
            n = 1;
        key.assign(word, pos, n);
        if (pos > 0)
            key.insert(0, continuingSubwordPrefix);
        if (pos + n == word.size())
            key += endOfWordSuffix;
        if (const auto it = vocab.find(key); it != vocab.end()) {
            if (pendingUnk) {
                add(unkId, unkLen);
                pendingUnk = false;
            }
            add(it->second, n);
        } else {
            bool fellBack = false;
            if (byteFallback) {
                fellBack = std::all_of(key.begin(), key.end(), [&](char c) {
                    return byteTokenIds[static_cast<unsigned char>(c)] >= 0;
                });
                if (fellBack) {
                    for (const char c : key)
                        add(uint32_t(byteTokenIds[static_cast<unsigned char>(c)]), 1);
                }
            }
            if (!fellBack && hasUnkToken) {
                if (pendingUnk && fuseUnk) {
                    unkLen += n;
                } else {
                    if (pendingUnk)
                        add(unkId, unkLen);
                    unkId = unkTokenId();
                    unkLen = n;
                    pendingUnk = true;
                }
            }
            // Neither byte tokens nor an unk token: the library drops the character, so do we.
        }
        pos += n;
    }
    if (pendingUnk)
        add(unkId, unkLen);

    struct Candidate {
        uint32_t rank;
        size_t pos;
        uint32_t id;
        bool operator>(const Candidate& o) const
        {
            return rank != o.rank ? rank > o.rank : pos > o.pos;
        }
    };
    const auto findMerge = [&](uint32_t a, uint32_t b) {
        return merges.find((uint64_t(a) << 32) | b);
    };
    std::vector<Candidate> heap;
    heap.reserve(symbols.size());
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
        if (const auto m = findMerge(symbols[i].id, symbols[i + 1].id); m != merges.end())
            heap.push_back({m->second.first, i, m->second.second});
    }
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue(
        std::greater<Candidate>(), std::move(heap));
    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        Symbol& left = symbols[top.pos];
        if (left.len == 0 || left.next < 0)
            continue;
        const size_t rightPos = size_t(left.next);
        const Symbol right = symbols[rightPos];
        const auto m = findMerge(left.id, right.id);
        if (m == merges.end() || m->second.second != top.id)
            continue; // stale: one side has been merged since this pair was queued
        left.id = top.id;
        left.len += right.len;
        left.next = right.next;
        symbols[rightPos].len = 0;
        if (right.next >= 0)
            symbols[size_t(right.next)].prev = int64_t(top.pos);
        if (left.prev >= 0) {
            if (const auto p = findMerge(symbols[size_t(left.prev)].id, left.id); p != merges.end())
                queue.push({p->second.first, size_t(left.prev), p->second.second});
        }
        if (left.next >= 0) {
            if (const auto p = findMerge(left.id, symbols[size_t(left.next)].id); p != merges.end())
                queue.push({p->second.first, top.pos, p->second.second});
        }
    }
    for (const auto& s : symbols) {
        if (s.len != 0)
            out.push_back(s.id);
    }
}

// ------------------------------------------------------------------------------------------------
// BpeTokenizer

BpeTokenizer::BpeTokenizer(const std::string& path) : m_path(path), m_impl(std::make_unique<Impl>())
{
    Impl& d = *m_impl;
    d.path = path;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError(path + ": cannot open tokenizer file");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad())
        throw IoError(path + ": cannot read tokenizer file");
    Json root;
    try {
        root = Json::parse(buffer.str());
    } catch (const Json::exception& e) {
        throw FormatError(path, "", std::string("not valid JSON: ") + e.what());
    }
    if (!root.is_object())
        throw FormatError(path, "", "not a tokenizer.json object");
    const auto member = [&](const char* key) -> const Json& {
        static const Json null;
        const auto it = root.find(key);
        return it == root.end() ? null : *it;
    };
    if (!root.contains("model"))
        throw FormatError(path, "model", "missing");
    // The normalizer comes before the added tokens: their normalized forms depend on it.
    d.parseNormalizer(member("normalizer"), "normalizer");
    d.parsePreTokenizer(member("pre_tokenizer"), "pre_tokenizer");
    d.parseDecoder(member("decoder"), "decoder");
    d.loadModel(member("model"));
    d.loadAddedTokens(member("added_tokens"));
    d.findBosEos(root, m_bosId, m_eosId);
}

BpeTokenizer::~BpeTokenizer() = default;

std::vector<int64_t> BpeTokenizer::encode(const std::string& text, bool addBos) const
{
    const Impl& d = *m_impl;
    if (const size_t bad = firstInvalidUtf8(text); bad != std::string::npos)
        throw ArgumentError(m_path + ": input text is not valid UTF-8 at byte " + std::to_string(bad));
    std::vector<int64_t> out;
    out.reserve(text.size() / 3 + 2);
    if (addBos && m_bosId >= 0)
        out.push_back(m_bosId);
    for (const Segment& raw : d.splitAdded(text, d.rawMatcher)) {
        if (raw.added >= 0) {
            out.push_back(d.added[size_t(raw.added)].id);
            continue;
        }
        if (raw.begin == raw.end)
            continue;
        const std::string normalized = d.normalize(text.substr(raw.begin, raw.end - raw.begin));
        for (const Segment& seg : d.splitAdded(normalized, d.normalizedMatcher)) {
            if (seg.added >= 0) {
                out.push_back(d.added[size_t(seg.added)].id);
                continue;
            }
            if (seg.begin == seg.end)
                continue;
            Piece piece{normalized.substr(seg.begin, seg.end - seg.begin),
                        raw.begin == 0 && seg.begin == 0};
            for (const Piece& p : d.preTokenize(std::move(piece)))
                d.tokenizeWord(p.text, out);
        }
    }
    return out;
}

// Decodes as the library's decode(ids, skip_special_tokens=True), its Python default, and like the
// SentencePiece tokenizer, which drops control tokens: special added tokens (<s>, </s>,
// <|begin_of_text|>...) are left out, ids that name no token are skipped, then the configured
// decoder runs (byte-level: characters back to bytes; SentencePiece-style: "▁" to space, <0xNN> to
// bytes, the one leading space the normalizer added stripped).
std::string BpeTokenizer::decode(const std::vector<int64_t>& ids) const
{
    const Impl& d = *m_impl;
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const int64_t id : ids) {
        if (id < 0 || id > int64_t(0xFFFFFFFF))
            continue;
        const std::string* token = nullptr;
        if (const auto it = d.addedById.find(uint32_t(id)); it != d.addedById.end())
            token = &d.added[it->second].pattern;
        else if (const auto v = d.vocabById.find(uint32_t(id)); v != d.vocabById.end())
            token = &v->second;
        if (!token || d.specialContents.count(*token))
            continue;
        tokens.push_back(*token);
    }
    if (!d.hasDecoder) {
        std::string joined;
        for (size_t i = 0; i < tokens.size(); ++i)
            joined += (i ? " " : "") + tokens[i];
        return joined;
    }
    for (const auto& step : d.decoder) {
        switch (step.type) {
        case DecoderStep::Type::ByteLevel: {
            // A token made only of alphabet characters becomes its bytes; any other token (an added
            // token with characters outside the alphabet) is kept as its UTF-8 text.
            const auto& alphabet = byteAlphabet();
            std::string bytes;
            for (const auto& t : tokens) {
                const auto cps = toCodePoints(t);
                std::string mapped;
                bool all = true;
                for (const char32_t cp : cps) {
                    if (cp >= alphabet.charToByte.size() || alphabet.charToByte[cp] < 0) {
                        all = false;
                        break;
                    }
                    mapped += char(alphabet.charToByte[cp]);
                }
                bytes += all ? mapped : t;
            }
            tokens.assign(1, lossyUtf8(bytes));
            break;
        }
        case DecoderStep::Type::Replace:
            for (auto& t : tokens)
                t = replaceAll(t, step.pattern, step.content);
            break;
        case DecoderStep::Type::ByteFallback: {
            std::vector<std::string> next;
            std::string pending;
            const auto flush = [&]() {
                if (pending.empty())
                    return;
                if (firstInvalidUtf8(pending) == std::string::npos) {
                    next.push_back(pending);
                } else {
                    for (size_t k = 0; k < pending.size(); ++k)
                        next.emplace_back("\xEF\xBF\xBD"); // U+FFFD
                }
                pending.clear();
            };
            for (auto& t : tokens) {
                const bool isByte = t.size() == 6 && startsWith(t, "<0x") && t[5] == '>'
                    && std::isxdigit(static_cast<unsigned char>(t[3]))
                    && std::isxdigit(static_cast<unsigned char>(t[4]));
                if (isByte) {
                    pending += char(std::stoi(t.substr(3, 2), nullptr, 16));
                } else {
                    flush();
                    next.push_back(std::move(t));
                }
            }
            flush();
            tokens = std::move(next);
            break;
        }
        case DecoderStep::Type::Fuse: {
            std::string joined;
            for (const auto& t : tokens)
                joined += t;
            tokens.assign(1, joined);
            break;
        }
        case DecoderStep::Type::Strip: {
            const char32_t strip = toCodePoints(step.content).front();
            for (auto& t : tokens) {
                const auto cps = toCodePoints(t);
                size_t from = 0;
                while (from < step.start && from < cps.size() && cps[from] == strip)
                    ++from;
                size_t to = cps.size();
                for (size_t k = 0; k < step.stop && to > from && cps[to - 1] == strip; ++k)
                    --to;
                std::string out;
                for (size_t k = from; k < to; ++k)
                    appendUtf8(out, cps[k]);
                t = std::move(out);
            }
            break;
        }
        case DecoderStep::Type::Metaspace:
            // As the library does: in the first token every replacement character goes (the
            // prepended one and any others), elsewhere it becomes a space.
            for (size_t i = 0; i < tokens.size(); ++i) {
                const bool drop = i == 0 && step.scheme != PrependScheme::Never;
                tokens[i] = replaceAll(tokens[i], step.content, drop ? "" : " ");
            }
            break;
        }
    }
    std::string text;
    for (const auto& t : tokens)
        text += t;
    return text;
}

int64_t BpeTokenizer::vocabSize() const
{
    return m_impl->maxId + 1;
}

std::string BpeTokenizer::kind() const
{
    return m_impl->byteLevel ? "bpe-bytelevel" : "bpe-sentencepiece";
}

} // namespace awb
