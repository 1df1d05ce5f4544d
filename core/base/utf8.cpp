#include "core/base/utf8.h"

namespace awb {

namespace {
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
} // namespace

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

size_t utf8SequenceLength(unsigned char lead)
{
    return lead < 0x80 ? 1 : (lead >> 5) == 6 ? 2 : (lead >> 4) == 14 ? 3 : (lead >> 3) == 30 ? 4 : 1;
}

std::string truncatedUtf8(const std::string& text, size_t maxBytes)
{
    if (text.size() <= maxBytes)
        return text;
    size_t cut = maxBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut; // never split a UTF-8 sequence
    return text.substr(0, cut) + "…";
}

} // namespace awb
