#include "core/tokenizer/text_source.h"

#include "core/base/error.h"

#include <fstream>

namespace awb {

int64_t firstInvalidUtf8(const std::string& s)
{
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char c = p[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > n || (len == 2 && c < 0xC2))
            return static_cast<int64_t>(i);
        for (size_t k = 1; k < len; ++k)
            if ((p[i + k] & 0xC0) != 0x80)
                return static_cast<int64_t>(i);
        if (len == 3) {
            const unsigned cp = ((c & 0x0F) << 12) | ((p[i + 1] & 0x3F) << 6);
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
                return static_cast<int64_t>(i);
        } else if (len == 4) {
            const unsigned cp = ((c & 0x07) << 18) | ((p[i + 1] & 0x3F) << 12);
            if (cp < 0x10000 || cp > 0x10FFFF)
                return static_cast<int64_t>(i);
        }
        i += len;
    }
    return -1;
}

std::string strip(const std::string& s)
{
    const char* ws = " \t\r\n\f\v";
    const size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos)
        return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::vector<std::string> readTextLines(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError(path + ": cannot open text file");
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        const int64_t bad = firstInvalidUtf8(line);
        if (bad >= 0)
            throw FormatError(path, "line " + std::to_string(lines.size() + 1),
                              "not valid UTF-8 at byte " + std::to_string(bad));
        lines.push_back(std::move(line));
    }
    return lines;
}

std::vector<int64_t> encodeEvalText(const Tokenizer& tokenizer, const std::string& path)
{
    std::vector<int64_t> ids;
    for (const auto& line : readTextLines(path)) {
        const std::string s = strip(line);
        if (s.empty())
            continue;
        const auto piece = tokenizer.encode(s, false);
        ids.insert(ids.end(), piece.begin(), piece.end());
    }
    return ids;
}

} // namespace awb
