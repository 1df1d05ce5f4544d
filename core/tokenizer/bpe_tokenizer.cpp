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

// ------------------------------------------------------------------------------------------------
// UTF-8

// Decodes the code point at s[pos]. Strict like Rust's str: no overlong forms, no surrogates, nothing
// above U+10FFFF. Returns the sequence length, or 0 when the bytes at pos are not valid UTF-8.
size_t decodeUtf8(const std::string& s, size_t pos, char32_t& cp)
{
    const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + pos;
    const size_t left = s.size() - pos;
    const unsigned char b0 = p[0];
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    }
    size_t len = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
        cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        cp = b0 & 0x07;
    } else {
        return 0;
    }
    if (left < len)
        return 0;
    for (size_t i = 1; i < len; ++i) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))
        || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

// Byte offset of the first byte that is not valid UTF-8, or npos.
size_t firstInvalidUtf8(const std::string& s)
{
    char32_t cp = 0;
    for (size_t pos = 0; pos < s.size();) {
        const size_t n = decodeUtf8(s, pos, cp);
        if (n == 0)
            return pos;
        pos += n;
    }
    return std::string::npos;
}

void appendUtf8(std::string& out, char32_t cp)
{
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

const char* const kReplacementChar = "\xEF\xBF\xBD"; // U+FFFD

// Length of the invalid sequence at p that String::from_utf8_lossy replaces by one U+FFFD: the
// longest prefix that could still have become a valid sequence (Unicode's "maximal subpart"),
// at least one byte.
size_t invalidRunLength(const unsigned char* p, size_t left)
{
    const unsigned char b0 = p[0];
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    size_t len = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
    } else if (b0 == 0xE0) {
        len = 3;
        lo = 0xA0;
    } else if (b0 == 0xED) {
        len = 3;
        hi = 0x9F;
    } else if (b0 >= 0xE1 && b0 <= 0xEF) {
        len = 3;
    } else if (b0 == 0xF0) {
        len = 4;
        lo = 0x90;
    } else if (b0 == 0xF4) {
        len = 4;
        hi = 0x8F;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
        len = 4;
    } else {
        return 1;
    }
    size_t n = 1;
    if (n < left && p[n] >= lo && p[n] <= hi) {
        ++n;
        while (n < len && n < left && (p[n] & 0xC0) == 0x80)
            ++n;
    }
    return n;
}

// Rust's String::from_utf8_lossy, which the byte-level decoder ends with: a token sequence that
// stops inside a multi-byte character decodes to U+FFFD rather than failing.
std::string lossyUtf8(const std::string& bytes)
{
    std::string out;
    out.reserve(bytes.size());
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    char32_t cp = 0;
    for (size_t pos = 0; pos < bytes.size();) {
        const size_t n = decodeUtf8(bytes, pos, cp);
        if (n > 0) {
            out.append(bytes, pos, n);
            pos += n;
        } else {
            out += kReplacementChar;
            pos += invalidRunLength(data + pos, bytes.size() - pos);
        }
    }
    return out;
}

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
// library knows: it treats 16.0 additions as letters and 17.0 ones as not. Generated with
//   pip install unicodedata2==16.0.0   # the standard module lags behind (14.0 on Python 3.11)
//   category = lambda cp: unicodedata2.category(chr(cp)); keep L*/M* by first letter, and
//   Nd/Nl/No/Pc; merge consecutive code points of one category into {first, last, category}.
// Code points assigned after 16.0 count as "other", as in the library.
namespace ucd {

enum Category : unsigned char { L, M, Nd, Nl, No, Pc };

struct Range {
    char32_t first;
    char32_t last;
    Category category;
};

const Range kRanges[] = {
    {0xAA, 0xAA, L}, {0xB2, 0xB3, No}, {0xB5, 0xB5, L}, {0xB9, 0xB9, No}, {0xBA, 0xBA, L},
    {0xBC, 0xBE, No}, {0xC0, 0xD6, L}, {0xD8, 0xF6, L}, {0xF8, 0x2C1, L}, {0x2C6, 0x2D1, L},
    {0x2E0, 0x2E4, L}, {0x2EC, 0x2EC, L}, {0x2EE, 0x2EE, L}, {0x300, 0x36F, M}, {0x370, 0x374, L},
    {0x376, 0x377, L}, {0x37A, 0x37D, L}, {0x37F, 0x37F, L}, {0x386, 0x386, L}, {0x388, 0x38A, L},
    {0x38C, 0x38C, L}, {0x38E, 0x3A1, L}, {0x3A3, 0x3F5, L}, {0x3F7, 0x481, L}, {0x483, 0x489, M},
    {0x48A, 0x52F, L}, {0x531, 0x556, L}, {0x559, 0x559, L}, {0x560, 0x588, L}, {0x591, 0x5BD, M},
    {0x5BF, 0x5BF, M}, {0x5C1, 0x5C2, M}, {0x5C4, 0x5C5, M}, {0x5C7, 0x5C7, M}, {0x5D0, 0x5EA, L},
    {0x5EF, 0x5F2, L}, {0x610, 0x61A, M}, {0x620, 0x64A, L}, {0x64B, 0x65F, M}, {0x660, 0x669, Nd},
    {0x66E, 0x66F, L}, {0x670, 0x670, M}, {0x671, 0x6D3, L}, {0x6D5, 0x6D5, L}, {0x6D6, 0x6DC, M},
    {0x6DF, 0x6E4, M}, {0x6E5, 0x6E6, L}, {0x6E7, 0x6E8, M}, {0x6EA, 0x6ED, M}, {0x6EE, 0x6EF, L},
    {0x6F0, 0x6F9, Nd}, {0x6FA, 0x6FC, L}, {0x6FF, 0x6FF, L}, {0x710, 0x710, L}, {0x711, 0x711, M},
    {0x712, 0x72F, L}, {0x730, 0x74A, M}, {0x74D, 0x7A5, L}, {0x7A6, 0x7B0, M}, {0x7B1, 0x7B1, L},
    {0x7C0, 0x7C9, Nd}, {0x7CA, 0x7EA, L}, {0x7EB, 0x7F3, M}, {0x7F4, 0x7F5, L}, {0x7FA, 0x7FA, L},
    {0x7FD, 0x7FD, M}, {0x800, 0x815, L}, {0x816, 0x819, M}, {0x81A, 0x81A, L}, {0x81B, 0x823, M},
    {0x824, 0x824, L}, {0x825, 0x827, M}, {0x828, 0x828, L}, {0x829, 0x82D, M}, {0x840, 0x858, L},
    {0x859, 0x85B, M}, {0x860, 0x86A, L}, {0x870, 0x887, L}, {0x889, 0x88E, L}, {0x897, 0x89F, M},
    {0x8A0, 0x8C9, L}, {0x8CA, 0x8E1, M}, {0x8E3, 0x903, M}, {0x904, 0x939, L}, {0x93A, 0x93C, M},
    {0x93D, 0x93D, L}, {0x93E, 0x94F, M}, {0x950, 0x950, L}, {0x951, 0x957, M}, {0x958, 0x961, L},
    {0x962, 0x963, M}, {0x966, 0x96F, Nd}, {0x971, 0x980, L}, {0x981, 0x983, M}, {0x985, 0x98C, L},
    {0x98F, 0x990, L}, {0x993, 0x9A8, L}, {0x9AA, 0x9B0, L}, {0x9B2, 0x9B2, L}, {0x9B6, 0x9B9, L},
    {0x9BC, 0x9BC, M}, {0x9BD, 0x9BD, L}, {0x9BE, 0x9C4, M}, {0x9C7, 0x9C8, M}, {0x9CB, 0x9CD, M},
    {0x9CE, 0x9CE, L}, {0x9D7, 0x9D7, M}, {0x9DC, 0x9DD, L}, {0x9DF, 0x9E1, L}, {0x9E2, 0x9E3, M},
    {0x9E6, 0x9EF, Nd}, {0x9F0, 0x9F1, L}, {0x9F4, 0x9F9, No}, {0x9FC, 0x9FC, L}, {0x9FE, 0x9FE, M},
    {0xA01, 0xA03, M}, {0xA05, 0xA0A, L}, {0xA0F, 0xA10, L}, {0xA13, 0xA28, L}, {0xA2A, 0xA30, L},
    {0xA32, 0xA33, L}, {0xA35, 0xA36, L}, {0xA38, 0xA39, L}, {0xA3C, 0xA3C, M}, {0xA3E, 0xA42, M},
    {0xA47, 0xA48, M}, {0xA4B, 0xA4D, M}, {0xA51, 0xA51, M}, {0xA59, 0xA5C, L}, {0xA5E, 0xA5E, L},
    {0xA66, 0xA6F, Nd}, {0xA70, 0xA71, M}, {0xA72, 0xA74, L}, {0xA75, 0xA75, M}, {0xA81, 0xA83, M},
    {0xA85, 0xA8D, L}, {0xA8F, 0xA91, L}, {0xA93, 0xAA8, L}, {0xAAA, 0xAB0, L}, {0xAB2, 0xAB3, L},
    {0xAB5, 0xAB9, L}, {0xABC, 0xABC, M}, {0xABD, 0xABD, L}, {0xABE, 0xAC5, M}, {0xAC7, 0xAC9, M},
    {0xACB, 0xACD, M}, {0xAD0, 0xAD0, L}, {0xAE0, 0xAE1, L}, {0xAE2, 0xAE3, M}, {0xAE6, 0xAEF, Nd},
    {0xAF9, 0xAF9, L}, {0xAFA, 0xAFF, M}, {0xB01, 0xB03, M}, {0xB05, 0xB0C, L}, {0xB0F, 0xB10, L},
    {0xB13, 0xB28, L}, {0xB2A, 0xB30, L}, {0xB32, 0xB33, L}, {0xB35, 0xB39, L}, {0xB3C, 0xB3C, M},
    {0xB3D, 0xB3D, L}, {0xB3E, 0xB44, M}, {0xB47, 0xB48, M}, {0xB4B, 0xB4D, M}, {0xB55, 0xB57, M},
    {0xB5C, 0xB5D, L}, {0xB5F, 0xB61, L}, {0xB62, 0xB63, M}, {0xB66, 0xB6F, Nd}, {0xB71, 0xB71, L},
    {0xB72, 0xB77, No}, {0xB82, 0xB82, M}, {0xB83, 0xB83, L}, {0xB85, 0xB8A, L}, {0xB8E, 0xB90, L},
    {0xB92, 0xB95, L}, {0xB99, 0xB9A, L}, {0xB9C, 0xB9C, L}, {0xB9E, 0xB9F, L}, {0xBA3, 0xBA4, L},
    {0xBA8, 0xBAA, L}, {0xBAE, 0xBB9, L}, {0xBBE, 0xBC2, M}, {0xBC6, 0xBC8, M}, {0xBCA, 0xBCD, M},
    {0xBD0, 0xBD0, L}, {0xBD7, 0xBD7, M}, {0xBE6, 0xBEF, Nd}, {0xBF0, 0xBF2, No}, {0xC00, 0xC04, M},
    {0xC05, 0xC0C, L}, {0xC0E, 0xC10, L}, {0xC12, 0xC28, L}, {0xC2A, 0xC39, L}, {0xC3C, 0xC3C, M},
    {0xC3D, 0xC3D, L}, {0xC3E, 0xC44, M}, {0xC46, 0xC48, M}, {0xC4A, 0xC4D, M}, {0xC55, 0xC56, M},
    {0xC58, 0xC5A, L}, {0xC5D, 0xC5D, L}, {0xC60, 0xC61, L}, {0xC62, 0xC63, M}, {0xC66, 0xC6F, Nd},
    {0xC78, 0xC7E, No}, {0xC80, 0xC80, L}, {0xC81, 0xC83, M}, {0xC85, 0xC8C, L}, {0xC8E, 0xC90, L},
    {0xC92, 0xCA8, L}, {0xCAA, 0xCB3, L}, {0xCB5, 0xCB9, L}, {0xCBC, 0xCBC, M}, {0xCBD, 0xCBD, L},
    {0xCBE, 0xCC4, M}, {0xCC6, 0xCC8, M}, {0xCCA, 0xCCD, M}, {0xCD5, 0xCD6, M}, {0xCDD, 0xCDE, L},
    {0xCE0, 0xCE1, L}, {0xCE2, 0xCE3, M}, {0xCE6, 0xCEF, Nd}, {0xCF1, 0xCF2, L}, {0xCF3, 0xCF3, M},
    {0xD00, 0xD03, M}, {0xD04, 0xD0C, L}, {0xD0E, 0xD10, L}, {0xD12, 0xD3A, L}, {0xD3B, 0xD3C, M},
    {0xD3D, 0xD3D, L}, {0xD3E, 0xD44, M}, {0xD46, 0xD48, M}, {0xD4A, 0xD4D, M}, {0xD4E, 0xD4E, L},
    {0xD54, 0xD56, L}, {0xD57, 0xD57, M}, {0xD58, 0xD5E, No}, {0xD5F, 0xD61, L}, {0xD62, 0xD63, M},
    {0xD66, 0xD6F, Nd}, {0xD70, 0xD78, No}, {0xD7A, 0xD7F, L}, {0xD81, 0xD83, M}, {0xD85, 0xD96, L},
    {0xD9A, 0xDB1, L}, {0xDB3, 0xDBB, L}, {0xDBD, 0xDBD, L}, {0xDC0, 0xDC6, L}, {0xDCA, 0xDCA, M},
    {0xDCF, 0xDD4, M}, {0xDD6, 0xDD6, M}, {0xDD8, 0xDDF, M}, {0xDE6, 0xDEF, Nd}, {0xDF2, 0xDF3, M},
    {0xE01, 0xE30, L}, {0xE31, 0xE31, M}, {0xE32, 0xE33, L}, {0xE34, 0xE3A, M}, {0xE40, 0xE46, L},
    {0xE47, 0xE4E, M}, {0xE50, 0xE59, Nd}, {0xE81, 0xE82, L}, {0xE84, 0xE84, L}, {0xE86, 0xE8A, L},
    {0xE8C, 0xEA3, L}, {0xEA5, 0xEA5, L}, {0xEA7, 0xEB0, L}, {0xEB1, 0xEB1, M}, {0xEB2, 0xEB3, L},
    {0xEB4, 0xEBC, M}, {0xEBD, 0xEBD, L}, {0xEC0, 0xEC4, L}, {0xEC6, 0xEC6, L}, {0xEC8, 0xECE, M},
    {0xED0, 0xED9, Nd}, {0xEDC, 0xEDF, L}, {0xF00, 0xF00, L}, {0xF18, 0xF19, M}, {0xF20, 0xF29, Nd},
    {0xF2A, 0xF33, No}, {0xF35, 0xF35, M}, {0xF37, 0xF37, M}, {0xF39, 0xF39, M}, {0xF3E, 0xF3F, M},
    {0xF40, 0xF47, L}, {0xF49, 0xF6C, L}, {0xF71, 0xF84, M}, {0xF86, 0xF87, M}, {0xF88, 0xF8C, L},
    {0xF8D, 0xF97, M}, {0xF99, 0xFBC, M}, {0xFC6, 0xFC6, M}, {0x1000, 0x102A, L},
    {0x102B, 0x103E, M}, {0x103F, 0x103F, L}, {0x1040, 0x1049, Nd}, {0x1050, 0x1055, L},
    {0x1056, 0x1059, M}, {0x105A, 0x105D, L}, {0x105E, 0x1060, M}, {0x1061, 0x1061, L},
    {0x1062, 0x1064, M}, {0x1065, 0x1066, L}, {0x1067, 0x106D, M}, {0x106E, 0x1070, L},
    {0x1071, 0x1074, M}, {0x1075, 0x1081, L}, {0x1082, 0x108D, M}, {0x108E, 0x108E, L},
    {0x108F, 0x108F, M}, {0x1090, 0x1099, Nd}, {0x109A, 0x109D, M}, {0x10A0, 0x10C5, L},
    {0x10C7, 0x10C7, L}, {0x10CD, 0x10CD, L}, {0x10D0, 0x10FA, L}, {0x10FC, 0x1248, L},
    {0x124A, 0x124D, L}, {0x1250, 0x1256, L}, {0x1258, 0x1258, L}, {0x125A, 0x125D, L},
    {0x1260, 0x1288, L}, {0x128A, 0x128D, L}, {0x1290, 0x12B0, L}, {0x12B2, 0x12B5, L},
    {0x12B8, 0x12BE, L}, {0x12C0, 0x12C0, L}, {0x12C2, 0x12C5, L}, {0x12C8, 0x12D6, L},
    {0x12D8, 0x1310, L}, {0x1312, 0x1315, L}, {0x1318, 0x135A, L}, {0x135D, 0x135F, M},
    {0x1369, 0x137C, No}, {0x1380, 0x138F, L}, {0x13A0, 0x13F5, L}, {0x13F8, 0x13FD, L},
    {0x1401, 0x166C, L}, {0x166F, 0x167F, L}, {0x1681, 0x169A, L}, {0x16A0, 0x16EA, L},
    {0x16EE, 0x16F0, Nl}, {0x16F1, 0x16F8, L}, {0x1700, 0x1711, L}, {0x1712, 0x1715, M},
    {0x171F, 0x1731, L}, {0x1732, 0x1734, M}, {0x1740, 0x1751, L}, {0x1752, 0x1753, M},
    {0x1760, 0x176C, L}, {0x176E, 0x1770, L}, {0x1772, 0x1773, M}, {0x1780, 0x17B3, L},
    {0x17B4, 0x17D3, M}, {0x17D7, 0x17D7, L}, {0x17DC, 0x17DC, L}, {0x17DD, 0x17DD, M},
    {0x17E0, 0x17E9, Nd}, {0x17F0, 0x17F9, No}, {0x180B, 0x180D, M}, {0x180F, 0x180F, M},
    {0x1810, 0x1819, Nd}, {0x1820, 0x1878, L}, {0x1880, 0x1884, L}, {0x1885, 0x1886, M},
    {0x1887, 0x18A8, L}, {0x18A9, 0x18A9, M}, {0x18AA, 0x18AA, L}, {0x18B0, 0x18F5, L},
    {0x1900, 0x191E, L}, {0x1920, 0x192B, M}, {0x1930, 0x193B, M}, {0x1946, 0x194F, Nd},
    {0x1950, 0x196D, L}, {0x1970, 0x1974, L}, {0x1980, 0x19AB, L}, {0x19B0, 0x19C9, L},
    {0x19D0, 0x19D9, Nd}, {0x19DA, 0x19DA, No}, {0x1A00, 0x1A16, L}, {0x1A17, 0x1A1B, M},
    {0x1A20, 0x1A54, L}, {0x1A55, 0x1A5E, M}, {0x1A60, 0x1A7C, M}, {0x1A7F, 0x1A7F, M},
    {0x1A80, 0x1A89, Nd}, {0x1A90, 0x1A99, Nd}, {0x1AA7, 0x1AA7, L}, {0x1AB0, 0x1ACE, M},
    {0x1B00, 0x1B04, M}, {0x1B05, 0x1B33, L}, {0x1B34, 0x1B44, M}, {0x1B45, 0x1B4C, L},
    {0x1B50, 0x1B59, Nd}, {0x1B6B, 0x1B73, M}, {0x1B80, 0x1B82, M}, {0x1B83, 0x1BA0, L},
    {0x1BA1, 0x1BAD, M}, {0x1BAE, 0x1BAF, L}, {0x1BB0, 0x1BB9, Nd}, {0x1BBA, 0x1BE5, L},
    {0x1BE6, 0x1BF3, M}, {0x1C00, 0x1C23, L}, {0x1C24, 0x1C37, M}, {0x1C40, 0x1C49, Nd},
    {0x1C4D, 0x1C4F, L}, {0x1C50, 0x1C59, Nd}, {0x1C5A, 0x1C7D, L}, {0x1C80, 0x1C8A, L},
    {0x1C90, 0x1CBA, L}, {0x1CBD, 0x1CBF, L}, {0x1CD0, 0x1CD2, M}, {0x1CD4, 0x1CE8, M},
    {0x1CE9, 0x1CEC, L}, {0x1CED, 0x1CED, M}, {0x1CEE, 0x1CF3, L}, {0x1CF4, 0x1CF4, M},
    {0x1CF5, 0x1CF6, L}, {0x1CF7, 0x1CF9, M}, {0x1CFA, 0x1CFA, L}, {0x1D00, 0x1DBF, L},
    {0x1DC0, 0x1DFF, M}, {0x1E00, 0x1F15, L}, {0x1F18, 0x1F1D, L}, {0x1F20, 0x1F45, L},
    {0x1F48, 0x1F4D, L}, {0x1F50, 0x1F57, L}, {0x1F59, 0x1F59, L}, {0x1F5B, 0x1F5B, L},
    {0x1F5D, 0x1F5D, L}, {0x1F5F, 0x1F7D, L}, {0x1F80, 0x1FB4, L}, {0x1FB6, 0x1FBC, L},
    {0x1FBE, 0x1FBE, L}, {0x1FC2, 0x1FC4, L}, {0x1FC6, 0x1FCC, L}, {0x1FD0, 0x1FD3, L},
    {0x1FD6, 0x1FDB, L}, {0x1FE0, 0x1FEC, L}, {0x1FF2, 0x1FF4, L}, {0x1FF6, 0x1FFC, L},
    {0x203F, 0x2040, Pc}, {0x2054, 0x2054, Pc}, {0x2070, 0x2070, No}, {0x2071, 0x2071, L},
    {0x2074, 0x2079, No}, {0x207F, 0x207F, L}, {0x2080, 0x2089, No}, {0x2090, 0x209C, L},
    {0x20D0, 0x20F0, M}, {0x2102, 0x2102, L}, {0x2107, 0x2107, L}, {0x210A, 0x2113, L},
    {0x2115, 0x2115, L}, {0x2119, 0x211D, L}, {0x2124, 0x2124, L}, {0x2126, 0x2126, L},
    {0x2128, 0x2128, L}, {0x212A, 0x212D, L}, {0x212F, 0x2139, L}, {0x213C, 0x213F, L},
    {0x2145, 0x2149, L}, {0x214E, 0x214E, L}, {0x2150, 0x215F, No}, {0x2160, 0x2182, Nl},
    {0x2183, 0x2184, L}, {0x2185, 0x2188, Nl}, {0x2189, 0x2189, No}, {0x2460, 0x249B, No},
    {0x24EA, 0x24FF, No}, {0x2776, 0x2793, No}, {0x2C00, 0x2CE4, L}, {0x2CEB, 0x2CEE, L},
    {0x2CEF, 0x2CF1, M}, {0x2CF2, 0x2CF3, L}, {0x2CFD, 0x2CFD, No}, {0x2D00, 0x2D25, L},
    {0x2D27, 0x2D27, L}, {0x2D2D, 0x2D2D, L}, {0x2D30, 0x2D67, L}, {0x2D6F, 0x2D6F, L},
    {0x2D7F, 0x2D7F, M}, {0x2D80, 0x2D96, L}, {0x2DA0, 0x2DA6, L}, {0x2DA8, 0x2DAE, L},
    {0x2DB0, 0x2DB6, L}, {0x2DB8, 0x2DBE, L}, {0x2DC0, 0x2DC6, L}, {0x2DC8, 0x2DCE, L},
    {0x2DD0, 0x2DD6, L}, {0x2DD8, 0x2DDE, L}, {0x2DE0, 0x2DFF, M}, {0x2E2F, 0x2E2F, L},
    {0x3005, 0x3006, L}, {0x3007, 0x3007, Nl}, {0x3021, 0x3029, Nl}, {0x302A, 0x302F, M},
    {0x3031, 0x3035, L}, {0x3038, 0x303A, Nl}, {0x303B, 0x303C, L}, {0x3041, 0x3096, L},
    {0x3099, 0x309A, M}, {0x309D, 0x309F, L}, {0x30A1, 0x30FA, L}, {0x30FC, 0x30FF, L},
    {0x3105, 0x312F, L}, {0x3131, 0x318E, L}, {0x3192, 0x3195, No}, {0x31A0, 0x31BF, L},
    {0x31F0, 0x31FF, L}, {0x3220, 0x3229, No}, {0x3248, 0x324F, No}, {0x3251, 0x325F, No},
    {0x3280, 0x3289, No}, {0x32B1, 0x32BF, No}, {0x3400, 0x4DBF, L}, {0x4E00, 0xA48C, L},
    {0xA4D0, 0xA4FD, L}, {0xA500, 0xA60C, L}, {0xA610, 0xA61F, L}, {0xA620, 0xA629, Nd},
    {0xA62A, 0xA62B, L}, {0xA640, 0xA66E, L}, {0xA66F, 0xA672, M}, {0xA674, 0xA67D, M},
    {0xA67F, 0xA69D, L}, {0xA69E, 0xA69F, M}, {0xA6A0, 0xA6E5, L}, {0xA6E6, 0xA6EF, Nl},
    {0xA6F0, 0xA6F1, M}, {0xA717, 0xA71F, L}, {0xA722, 0xA788, L}, {0xA78B, 0xA7CD, L},
    {0xA7D0, 0xA7D1, L}, {0xA7D3, 0xA7D3, L}, {0xA7D5, 0xA7DC, L}, {0xA7F2, 0xA801, L},
    {0xA802, 0xA802, M}, {0xA803, 0xA805, L}, {0xA806, 0xA806, M}, {0xA807, 0xA80A, L},
    {0xA80B, 0xA80B, M}, {0xA80C, 0xA822, L}, {0xA823, 0xA827, M}, {0xA82C, 0xA82C, M},
    {0xA830, 0xA835, No}, {0xA840, 0xA873, L}, {0xA880, 0xA881, M}, {0xA882, 0xA8B3, L},
    {0xA8B4, 0xA8C5, M}, {0xA8D0, 0xA8D9, Nd}, {0xA8E0, 0xA8F1, M}, {0xA8F2, 0xA8F7, L},
    {0xA8FB, 0xA8FB, L}, {0xA8FD, 0xA8FE, L}, {0xA8FF, 0xA8FF, M}, {0xA900, 0xA909, Nd},
    {0xA90A, 0xA925, L}, {0xA926, 0xA92D, M}, {0xA930, 0xA946, L}, {0xA947, 0xA953, M},
    {0xA960, 0xA97C, L}, {0xA980, 0xA983, M}, {0xA984, 0xA9B2, L}, {0xA9B3, 0xA9C0, M},
    {0xA9CF, 0xA9CF, L}, {0xA9D0, 0xA9D9, Nd}, {0xA9E0, 0xA9E4, L}, {0xA9E5, 0xA9E5, M},
    {0xA9E6, 0xA9EF, L}, {0xA9F0, 0xA9F9, Nd}, {0xA9FA, 0xA9FE, L}, {0xAA00, 0xAA28, L},
    {0xAA29, 0xAA36, M}, {0xAA40, 0xAA42, L}, {0xAA43, 0xAA43, M}, {0xAA44, 0xAA4B, L},
    {0xAA4C, 0xAA4D, M}, {0xAA50, 0xAA59, Nd}, {0xAA60, 0xAA76, L}, {0xAA7A, 0xAA7A, L},
    {0xAA7B, 0xAA7D, M}, {0xAA7E, 0xAAAF, L}, {0xAAB0, 0xAAB0, M}, {0xAAB1, 0xAAB1, L},
    {0xAAB2, 0xAAB4, M}, {0xAAB5, 0xAAB6, L}, {0xAAB7, 0xAAB8, M}, {0xAAB9, 0xAABD, L},
    {0xAABE, 0xAABF, M}, {0xAAC0, 0xAAC0, L}, {0xAAC1, 0xAAC1, M}, {0xAAC2, 0xAAC2, L},
    {0xAADB, 0xAADD, L}, {0xAAE0, 0xAAEA, L}, {0xAAEB, 0xAAEF, M}, {0xAAF2, 0xAAF4, L},
    {0xAAF5, 0xAAF6, M}, {0xAB01, 0xAB06, L}, {0xAB09, 0xAB0E, L}, {0xAB11, 0xAB16, L},
    {0xAB20, 0xAB26, L}, {0xAB28, 0xAB2E, L}, {0xAB30, 0xAB5A, L}, {0xAB5C, 0xAB69, L},
    {0xAB70, 0xABE2, L}, {0xABE3, 0xABEA, M}, {0xABEC, 0xABED, M}, {0xABF0, 0xABF9, Nd},
    {0xAC00, 0xD7A3, L}, {0xD7B0, 0xD7C6, L}, {0xD7CB, 0xD7FB, L}, {0xF900, 0xFA6D, L},
    {0xFA70, 0xFAD9, L}, {0xFB00, 0xFB06, L}, {0xFB13, 0xFB17, L}, {0xFB1D, 0xFB1D, L},
    {0xFB1E, 0xFB1E, M}, {0xFB1F, 0xFB28, L}, {0xFB2A, 0xFB36, L}, {0xFB38, 0xFB3C, L},
    {0xFB3E, 0xFB3E, L}, {0xFB40, 0xFB41, L}, {0xFB43, 0xFB44, L}, {0xFB46, 0xFBB1, L},
    {0xFBD3, 0xFD3D, L}, {0xFD50, 0xFD8F, L}, {0xFD92, 0xFDC7, L}, {0xFDF0, 0xFDFB, L},
    {0xFE00, 0xFE0F, M}, {0xFE20, 0xFE2F, M}, {0xFE33, 0xFE34, Pc}, {0xFE4D, 0xFE4F, Pc},
    {0xFE70, 0xFE74, L}, {0xFE76, 0xFEFC, L}, {0xFF10, 0xFF19, Nd}, {0xFF21, 0xFF3A, L},
    {0xFF3F, 0xFF3F, Pc}, {0xFF41, 0xFF5A, L}, {0xFF66, 0xFFBE, L}, {0xFFC2, 0xFFC7, L},
    {0xFFCA, 0xFFCF, L}, {0xFFD2, 0xFFD7, L}, {0xFFDA, 0xFFDC, L}, {0x10000, 0x1000B, L},
    {0x1000D, 0x10026, L}, {0x10028, 0x1003A, L}, {0x1003C, 0x1003D, L}, {0x1003F, 0x1004D, L},
    {0x10050, 0x1005D, L}, {0x10080, 0x100FA, L}, {0x10107, 0x10133, No}, {0x10140, 0x10174, Nl},
    {0x10175, 0x10178, No}, {0x1018A, 0x1018B, No}, {0x101FD, 0x101FD, M}, {0x10280, 0x1029C, L},
    {0x102A0, 0x102D0, L}, {0x102E0, 0x102E0, M}, {0x102E1, 0x102FB, No}, {0x10300, 0x1031F, L},
    {0x10320, 0x10323, No}, {0x1032D, 0x10340, L}, {0x10341, 0x10341, Nl}, {0x10342, 0x10349, L},
    {0x1034A, 0x1034A, Nl}, {0x10350, 0x10375, L}, {0x10376, 0x1037A, M}, {0x10380, 0x1039D, L},
    {0x103A0, 0x103C3, L}, {0x103C8, 0x103CF, L}, {0x103D1, 0x103D5, Nl}, {0x10400, 0x1049D, L},
    {0x104A0, 0x104A9, Nd}, {0x104B0, 0x104D3, L}, {0x104D8, 0x104FB, L}, {0x10500, 0x10527, L},
    {0x10530, 0x10563, L}, {0x10570, 0x1057A, L}, {0x1057C, 0x1058A, L}, {0x1058C, 0x10592, L},
    {0x10594, 0x10595, L}, {0x10597, 0x105A1, L}, {0x105A3, 0x105B1, L}, {0x105B3, 0x105B9, L},
    {0x105BB, 0x105BC, L}, {0x105C0, 0x105F3, L}, {0x10600, 0x10736, L}, {0x10740, 0x10755, L},
    {0x10760, 0x10767, L}, {0x10780, 0x10785, L}, {0x10787, 0x107B0, L}, {0x107B2, 0x107BA, L},
    {0x10800, 0x10805, L}, {0x10808, 0x10808, L}, {0x1080A, 0x10835, L}, {0x10837, 0x10838, L},
    {0x1083C, 0x1083C, L}, {0x1083F, 0x10855, L}, {0x10858, 0x1085F, No}, {0x10860, 0x10876, L},
    {0x10879, 0x1087F, No}, {0x10880, 0x1089E, L}, {0x108A7, 0x108AF, No}, {0x108E0, 0x108F2, L},
    {0x108F4, 0x108F5, L}, {0x108FB, 0x108FF, No}, {0x10900, 0x10915, L}, {0x10916, 0x1091B, No},
    {0x10920, 0x10939, L}, {0x10980, 0x109B7, L}, {0x109BC, 0x109BD, No}, {0x109BE, 0x109BF, L},
    {0x109C0, 0x109CF, No}, {0x109D2, 0x109FF, No}, {0x10A00, 0x10A00, L}, {0x10A01, 0x10A03, M},
    {0x10A05, 0x10A06, M}, {0x10A0C, 0x10A0F, M}, {0x10A10, 0x10A13, L}, {0x10A15, 0x10A17, L},
    {0x10A19, 0x10A35, L}, {0x10A38, 0x10A3A, M}, {0x10A3F, 0x10A3F, M}, {0x10A40, 0x10A48, No},
    {0x10A60, 0x10A7C, L}, {0x10A7D, 0x10A7E, No}, {0x10A80, 0x10A9C, L}, {0x10A9D, 0x10A9F, No},
    {0x10AC0, 0x10AC7, L}, {0x10AC9, 0x10AE4, L}, {0x10AE5, 0x10AE6, M}, {0x10AEB, 0x10AEF, No},
    {0x10B00, 0x10B35, L}, {0x10B40, 0x10B55, L}, {0x10B58, 0x10B5F, No}, {0x10B60, 0x10B72, L},
    {0x10B78, 0x10B7F, No}, {0x10B80, 0x10B91, L}, {0x10BA9, 0x10BAF, No}, {0x10C00, 0x10C48, L},
    {0x10C80, 0x10CB2, L}, {0x10CC0, 0x10CF2, L}, {0x10CFA, 0x10CFF, No}, {0x10D00, 0x10D23, L},
    {0x10D24, 0x10D27, M}, {0x10D30, 0x10D39, Nd}, {0x10D40, 0x10D49, Nd}, {0x10D4A, 0x10D65, L},
    {0x10D69, 0x10D6D, M}, {0x10D6F, 0x10D85, L}, {0x10E60, 0x10E7E, No}, {0x10E80, 0x10EA9, L},
    {0x10EAB, 0x10EAC, M}, {0x10EB0, 0x10EB1, L}, {0x10EC2, 0x10EC4, L}, {0x10EFC, 0x10EFF, M},
    {0x10F00, 0x10F1C, L}, {0x10F1D, 0x10F26, No}, {0x10F27, 0x10F27, L}, {0x10F30, 0x10F45, L},
    {0x10F46, 0x10F50, M}, {0x10F51, 0x10F54, No}, {0x10F70, 0x10F81, L}, {0x10F82, 0x10F85, M},
    {0x10FB0, 0x10FC4, L}, {0x10FC5, 0x10FCB, No}, {0x10FE0, 0x10FF6, L}, {0x11000, 0x11002, M},
    {0x11003, 0x11037, L}, {0x11038, 0x11046, M}, {0x11052, 0x11065, No}, {0x11066, 0x1106F, Nd},
    {0x11070, 0x11070, M}, {0x11071, 0x11072, L}, {0x11073, 0x11074, M}, {0x11075, 0x11075, L},
    {0x1107F, 0x11082, M}, {0x11083, 0x110AF, L}, {0x110B0, 0x110BA, M}, {0x110C2, 0x110C2, M},
    {0x110D0, 0x110E8, L}, {0x110F0, 0x110F9, Nd}, {0x11100, 0x11102, M}, {0x11103, 0x11126, L},
    {0x11127, 0x11134, M}, {0x11136, 0x1113F, Nd}, {0x11144, 0x11144, L}, {0x11145, 0x11146, M},
    {0x11147, 0x11147, L}, {0x11150, 0x11172, L}, {0x11173, 0x11173, M}, {0x11176, 0x11176, L},
    {0x11180, 0x11182, M}, {0x11183, 0x111B2, L}, {0x111B3, 0x111C0, M}, {0x111C1, 0x111C4, L},
    {0x111C9, 0x111CC, M}, {0x111CE, 0x111CF, M}, {0x111D0, 0x111D9, Nd}, {0x111DA, 0x111DA, L},
    {0x111DC, 0x111DC, L}, {0x111E1, 0x111F4, No}, {0x11200, 0x11211, L}, {0x11213, 0x1122B, L},
    {0x1122C, 0x11237, M}, {0x1123E, 0x1123E, M}, {0x1123F, 0x11240, L}, {0x11241, 0x11241, M},
    {0x11280, 0x11286, L}, {0x11288, 0x11288, L}, {0x1128A, 0x1128D, L}, {0x1128F, 0x1129D, L},
    {0x1129F, 0x112A8, L}, {0x112B0, 0x112DE, L}, {0x112DF, 0x112EA, M}, {0x112F0, 0x112F9, Nd},
    {0x11300, 0x11303, M}, {0x11305, 0x1130C, L}, {0x1130F, 0x11310, L}, {0x11313, 0x11328, L},
    {0x1132A, 0x11330, L}, {0x11332, 0x11333, L}, {0x11335, 0x11339, L}, {0x1133B, 0x1133C, M},
    {0x1133D, 0x1133D, L}, {0x1133E, 0x11344, M}, {0x11347, 0x11348, M}, {0x1134B, 0x1134D, M},
    {0x11350, 0x11350, L}, {0x11357, 0x11357, M}, {0x1135D, 0x11361, L}, {0x11362, 0x11363, M},
    {0x11366, 0x1136C, M}, {0x11370, 0x11374, M}, {0x11380, 0x11389, L}, {0x1138B, 0x1138B, L},
    {0x1138E, 0x1138E, L}, {0x11390, 0x113B5, L}, {0x113B7, 0x113B7, L}, {0x113B8, 0x113C0, M},
    {0x113C2, 0x113C2, M}, {0x113C5, 0x113C5, M}, {0x113C7, 0x113CA, M}, {0x113CC, 0x113D0, M},
    {0x113D1, 0x113D1, L}, {0x113D2, 0x113D2, M}, {0x113D3, 0x113D3, L}, {0x113E1, 0x113E2, M},
    {0x11400, 0x11434, L}, {0x11435, 0x11446, M}, {0x11447, 0x1144A, L}, {0x11450, 0x11459, Nd},
    {0x1145E, 0x1145E, M}, {0x1145F, 0x11461, L}, {0x11480, 0x114AF, L}, {0x114B0, 0x114C3, M},
    {0x114C4, 0x114C5, L}, {0x114C7, 0x114C7, L}, {0x114D0, 0x114D9, Nd}, {0x11580, 0x115AE, L},
    {0x115AF, 0x115B5, M}, {0x115B8, 0x115C0, M}, {0x115D8, 0x115DB, L}, {0x115DC, 0x115DD, M},
    {0x11600, 0x1162F, L}, {0x11630, 0x11640, M}, {0x11644, 0x11644, L}, {0x11650, 0x11659, Nd},
    {0x11680, 0x116AA, L}, {0x116AB, 0x116B7, M}, {0x116B8, 0x116B8, L}, {0x116C0, 0x116C9, Nd},
    {0x116D0, 0x116E3, Nd}, {0x11700, 0x1171A, L}, {0x1171D, 0x1172B, M}, {0x11730, 0x11739, Nd},
    {0x1173A, 0x1173B, No}, {0x11740, 0x11746, L}, {0x11800, 0x1182B, L}, {0x1182C, 0x1183A, M},
    {0x118A0, 0x118DF, L}, {0x118E0, 0x118E9, Nd}, {0x118EA, 0x118F2, No}, {0x118FF, 0x11906, L},
    {0x11909, 0x11909, L}, {0x1190C, 0x11913, L}, {0x11915, 0x11916, L}, {0x11918, 0x1192F, L},
    {0x11930, 0x11935, M}, {0x11937, 0x11938, M}, {0x1193B, 0x1193E, M}, {0x1193F, 0x1193F, L},
    {0x11940, 0x11940, M}, {0x11941, 0x11941, L}, {0x11942, 0x11943, M}, {0x11950, 0x11959, Nd},
    {0x119A0, 0x119A7, L}, {0x119AA, 0x119D0, L}, {0x119D1, 0x119D7, M}, {0x119DA, 0x119E0, M},
    {0x119E1, 0x119E1, L}, {0x119E3, 0x119E3, L}, {0x119E4, 0x119E4, M}, {0x11A00, 0x11A00, L},
    {0x11A01, 0x11A0A, M}, {0x11A0B, 0x11A32, L}, {0x11A33, 0x11A39, M}, {0x11A3A, 0x11A3A, L},
    {0x11A3B, 0x11A3E, M}, {0x11A47, 0x11A47, M}, {0x11A50, 0x11A50, L}, {0x11A51, 0x11A5B, M},
    {0x11A5C, 0x11A89, L}, {0x11A8A, 0x11A99, M}, {0x11A9D, 0x11A9D, L}, {0x11AB0, 0x11AF8, L},
    {0x11BC0, 0x11BE0, L}, {0x11BF0, 0x11BF9, Nd}, {0x11C00, 0x11C08, L}, {0x11C0A, 0x11C2E, L},
    {0x11C2F, 0x11C36, M}, {0x11C38, 0x11C3F, M}, {0x11C40, 0x11C40, L}, {0x11C50, 0x11C59, Nd},
    {0x11C5A, 0x11C6C, No}, {0x11C72, 0x11C8F, L}, {0x11C92, 0x11CA7, M}, {0x11CA9, 0x11CB6, M},
    {0x11D00, 0x11D06, L}, {0x11D08, 0x11D09, L}, {0x11D0B, 0x11D30, L}, {0x11D31, 0x11D36, M},
    {0x11D3A, 0x11D3A, M}, {0x11D3C, 0x11D3D, M}, {0x11D3F, 0x11D45, M}, {0x11D46, 0x11D46, L},
    {0x11D47, 0x11D47, M}, {0x11D50, 0x11D59, Nd}, {0x11D60, 0x11D65, L}, {0x11D67, 0x11D68, L},
    {0x11D6A, 0x11D89, L}, {0x11D8A, 0x11D8E, M}, {0x11D90, 0x11D91, M}, {0x11D93, 0x11D97, M},
    {0x11D98, 0x11D98, L}, {0x11DA0, 0x11DA9, Nd}, {0x11EE0, 0x11EF2, L}, {0x11EF3, 0x11EF6, M},
    {0x11F00, 0x11F01, M}, {0x11F02, 0x11F02, L}, {0x11F03, 0x11F03, M}, {0x11F04, 0x11F10, L},
    {0x11F12, 0x11F33, L}, {0x11F34, 0x11F3A, M}, {0x11F3E, 0x11F42, M}, {0x11F50, 0x11F59, Nd},
    {0x11F5A, 0x11F5A, M}, {0x11FB0, 0x11FB0, L}, {0x11FC0, 0x11FD4, No}, {0x12000, 0x12399, L},
    {0x12400, 0x1246E, Nl}, {0x12480, 0x12543, L}, {0x12F90, 0x12FF0, L}, {0x13000, 0x1342F, L},
    {0x13440, 0x13440, M}, {0x13441, 0x13446, L}, {0x13447, 0x13455, M}, {0x13460, 0x143FA, L},
    {0x14400, 0x14646, L}, {0x16100, 0x1611D, L}, {0x1611E, 0x1612F, M}, {0x16130, 0x16139, Nd},
    {0x16800, 0x16A38, L}, {0x16A40, 0x16A5E, L}, {0x16A60, 0x16A69, Nd}, {0x16A70, 0x16ABE, L},
    {0x16AC0, 0x16AC9, Nd}, {0x16AD0, 0x16AED, L}, {0x16AF0, 0x16AF4, M}, {0x16B00, 0x16B2F, L},
    {0x16B30, 0x16B36, M}, {0x16B40, 0x16B43, L}, {0x16B50, 0x16B59, Nd}, {0x16B5B, 0x16B61, No},
    {0x16B63, 0x16B77, L}, {0x16B7D, 0x16B8F, L}, {0x16D40, 0x16D6C, L}, {0x16D70, 0x16D79, Nd},
    {0x16E40, 0x16E7F, L}, {0x16E80, 0x16E96, No}, {0x16F00, 0x16F4A, L}, {0x16F4F, 0x16F4F, M},
    {0x16F50, 0x16F50, L}, {0x16F51, 0x16F87, M}, {0x16F8F, 0x16F92, M}, {0x16F93, 0x16F9F, L},
    {0x16FE0, 0x16FE1, L}, {0x16FE3, 0x16FE3, L}, {0x16FE4, 0x16FE4, M}, {0x16FF0, 0x16FF1, M},
    {0x17000, 0x187F7, L}, {0x18800, 0x18CD5, L}, {0x18CFF, 0x18D08, L}, {0x1AFF0, 0x1AFF3, L},
    {0x1AFF5, 0x1AFFB, L}, {0x1AFFD, 0x1AFFE, L}, {0x1B000, 0x1B122, L}, {0x1B132, 0x1B132, L},
    {0x1B150, 0x1B152, L}, {0x1B155, 0x1B155, L}, {0x1B164, 0x1B167, L}, {0x1B170, 0x1B2FB, L},
    {0x1BC00, 0x1BC6A, L}, {0x1BC70, 0x1BC7C, L}, {0x1BC80, 0x1BC88, L}, {0x1BC90, 0x1BC99, L},
    {0x1BC9D, 0x1BC9E, M}, {0x1CCF0, 0x1CCF9, Nd}, {0x1CF00, 0x1CF2D, M}, {0x1CF30, 0x1CF46, M},
    {0x1D165, 0x1D169, M}, {0x1D16D, 0x1D172, M}, {0x1D17B, 0x1D182, M}, {0x1D185, 0x1D18B, M},
    {0x1D1AA, 0x1D1AD, M}, {0x1D242, 0x1D244, M}, {0x1D2C0, 0x1D2D3, No}, {0x1D2E0, 0x1D2F3, No},
    {0x1D360, 0x1D378, No}, {0x1D400, 0x1D454, L}, {0x1D456, 0x1D49C, L}, {0x1D49E, 0x1D49F, L},
    {0x1D4A2, 0x1D4A2, L}, {0x1D4A5, 0x1D4A6, L}, {0x1D4A9, 0x1D4AC, L}, {0x1D4AE, 0x1D4B9, L},
    {0x1D4BB, 0x1D4BB, L}, {0x1D4BD, 0x1D4C3, L}, {0x1D4C5, 0x1D505, L}, {0x1D507, 0x1D50A, L},
    {0x1D50D, 0x1D514, L}, {0x1D516, 0x1D51C, L}, {0x1D51E, 0x1D539, L}, {0x1D53B, 0x1D53E, L},
    {0x1D540, 0x1D544, L}, {0x1D546, 0x1D546, L}, {0x1D54A, 0x1D550, L}, {0x1D552, 0x1D6A5, L},
    {0x1D6A8, 0x1D6C0, L}, {0x1D6C2, 0x1D6DA, L}, {0x1D6DC, 0x1D6FA, L}, {0x1D6FC, 0x1D714, L},
    {0x1D716, 0x1D734, L}, {0x1D736, 0x1D74E, L}, {0x1D750, 0x1D76E, L}, {0x1D770, 0x1D788, L},
    {0x1D78A, 0x1D7A8, L}, {0x1D7AA, 0x1D7C2, L}, {0x1D7C4, 0x1D7CB, L}, {0x1D7CE, 0x1D7FF, Nd},
    {0x1DA00, 0x1DA36, M}, {0x1DA3B, 0x1DA6C, M}, {0x1DA75, 0x1DA75, M}, {0x1DA84, 0x1DA84, M},
    {0x1DA9B, 0x1DA9F, M}, {0x1DAA1, 0x1DAAF, M}, {0x1DF00, 0x1DF1E, L}, {0x1DF25, 0x1DF2A, L},
    {0x1E000, 0x1E006, M}, {0x1E008, 0x1E018, M}, {0x1E01B, 0x1E021, M}, {0x1E023, 0x1E024, M},
    {0x1E026, 0x1E02A, M}, {0x1E030, 0x1E06D, L}, {0x1E08F, 0x1E08F, M}, {0x1E100, 0x1E12C, L},
    {0x1E130, 0x1E136, M}, {0x1E137, 0x1E13D, L}, {0x1E140, 0x1E149, Nd}, {0x1E14E, 0x1E14E, L},
    {0x1E290, 0x1E2AD, L}, {0x1E2AE, 0x1E2AE, M}, {0x1E2C0, 0x1E2EB, L}, {0x1E2EC, 0x1E2EF, M},
    {0x1E2F0, 0x1E2F9, Nd}, {0x1E4D0, 0x1E4EB, L}, {0x1E4EC, 0x1E4EF, M}, {0x1E4F0, 0x1E4F9, Nd},
    {0x1E5D0, 0x1E5ED, L}, {0x1E5EE, 0x1E5EF, M}, {0x1E5F0, 0x1E5F0, L}, {0x1E5F1, 0x1E5FA, Nd},
    {0x1E7E0, 0x1E7E6, L}, {0x1E7E8, 0x1E7EB, L}, {0x1E7ED, 0x1E7EE, L}, {0x1E7F0, 0x1E7FE, L},
    {0x1E800, 0x1E8C4, L}, {0x1E8C7, 0x1E8CF, No}, {0x1E8D0, 0x1E8D6, M}, {0x1E900, 0x1E943, L},
    {0x1E944, 0x1E94A, M}, {0x1E94B, 0x1E94B, L}, {0x1E950, 0x1E959, Nd}, {0x1EC71, 0x1ECAB, No},
    {0x1ECAD, 0x1ECAF, No}, {0x1ECB1, 0x1ECB4, No}, {0x1ED01, 0x1ED2D, No}, {0x1ED2F, 0x1ED3D, No},
    {0x1EE00, 0x1EE03, L}, {0x1EE05, 0x1EE1F, L}, {0x1EE21, 0x1EE22, L}, {0x1EE24, 0x1EE24, L},
    {0x1EE27, 0x1EE27, L}, {0x1EE29, 0x1EE32, L}, {0x1EE34, 0x1EE37, L}, {0x1EE39, 0x1EE39, L},
    {0x1EE3B, 0x1EE3B, L}, {0x1EE42, 0x1EE42, L}, {0x1EE47, 0x1EE47, L}, {0x1EE49, 0x1EE49, L},
    {0x1EE4B, 0x1EE4B, L}, {0x1EE4D, 0x1EE4F, L}, {0x1EE51, 0x1EE52, L}, {0x1EE54, 0x1EE54, L},
    {0x1EE57, 0x1EE57, L}, {0x1EE59, 0x1EE59, L}, {0x1EE5B, 0x1EE5B, L}, {0x1EE5D, 0x1EE5D, L},
    {0x1EE5F, 0x1EE5F, L}, {0x1EE61, 0x1EE62, L}, {0x1EE64, 0x1EE64, L}, {0x1EE67, 0x1EE6A, L},
    {0x1EE6C, 0x1EE72, L}, {0x1EE74, 0x1EE77, L}, {0x1EE79, 0x1EE7C, L}, {0x1EE7E, 0x1EE7E, L},
    {0x1EE80, 0x1EE89, L}, {0x1EE8B, 0x1EE9B, L}, {0x1EEA1, 0x1EEA3, L}, {0x1EEA5, 0x1EEA9, L},
    {0x1EEAB, 0x1EEBB, L}, {0x1F100, 0x1F10C, No}, {0x1FBF0, 0x1FBF9, Nd}, {0x20000, 0x2A6DF, L},
    {0x2A700, 0x2B739, L}, {0x2B740, 0x2B81D, L}, {0x2B820, 0x2CEA1, L}, {0x2CEB0, 0x2EBE0, L},
    {0x2EBF0, 0x2EE5D, L}, {0x2F800, 0x2FA1D, L}, {0x30000, 0x3134A, L}, {0x31350, 0x323AF, L},
    {0xE0100, 0xE01EF, M},
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
        step.stripLeft = j.value("strip_left", true);
        step.stripRight = j.value("strip_right", true);
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
        step.addPrefixSpace = j.value("add_prefix_space", true);
        step.useRegex = j.value("use_regex", true);
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
        if (j.value("behavior", std::string("Isolated")) != "Isolated" || j.value("invert", false))
            fail(field + ".behavior", "only behavior \"Isolated\" without invert is supported");
    } else if (type == "Metaspace") {
        step.type = PreTokenizerStep::Type::Metaspace;
        step.replacement = stringField(j, "replacement", field);
        step.scheme = parsePrependScheme(j, field, path);
        step.split = j.value("split", true);
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
        step.start = j.value("start", size_t(0));
        step.stop = j.value("stop", size_t(0));
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
        const std::string type = p->value("type", std::string());
        if (type == "TemplateProcessing") {
            const auto single = p->find("single");
            const auto specials = p->find("special_tokens");
            if (single == p->end() || !single->is_array())
                continue;
            const auto specialId = [&](const Json& item) -> int64_t {
                if (!item.is_object() || !item.contains("SpecialToken"))
                    return -1;
                const std::string name = item["SpecialToken"].value("id", std::string());
                if (specials != p->end() && specials->contains(name)) {
                    const Json& ids = (*specials)[name]["ids"];
                    if (ids.is_array() && ids.size() == 1 && ids[0].is_number_unsigned())
                        return ids[0].get<int64_t>();
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
                if (it != p->end() && it->is_array() && it->size() == 2 && (*it)[1].is_number())
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
                        next.emplace_back(kReplacementChar);
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
