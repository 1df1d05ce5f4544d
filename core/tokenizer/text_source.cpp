#include "core/tokenizer/text_source.h"

#include "core/base/error.h"
#include "core/base/utf8.h"

#include <fstream>

namespace awb {

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
        const size_t bad = firstInvalidUtf8(line);
        if (bad != std::string::npos)
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
