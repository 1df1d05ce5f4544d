#pragma once
// Reading user text files: UTF-8 validated line by line, errors name the file and line.
#include "core/tokenizer/tokenizer.h"

#include <string>
#include <vector>

namespace awb {

// Lines of a UTF-8 text file without their line endings; throws IoError, or FormatError naming
// the line that is not valid UTF-8.
std::vector<std::string> readTextLines(const std::string& path);
std::string strip(const std::string& s);

// The perplexity protocol's token stream: each non-empty line stripped and encoded without BOS,
// all ids concatenated (see docs/METRICS.md §1).
std::vector<int64_t> encodeEvalText(const Tokenizer& tokenizer, const std::string& path);

} // namespace awb
