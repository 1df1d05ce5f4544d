#include "core/base/file_hash.h"

#include "core/base/error.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

namespace awb {

namespace {
constexpr uint64_t kOffset = 14695981039346656037ull, kPrime = 1099511628211ull;

void mix(uint64_t& h, const char* data, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        h ^= static_cast<unsigned char>(data[i]);
        h *= kPrime;
    }
}

void mixFile(uint64_t& h, const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError(path + ": cannot read for hashing");
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        mix(h, buffer.data(), static_cast<size_t>(in.gcount()));
    }
}

std::string hex(uint64_t h)
{
    char s[32];
    std::snprintf(s, sizeof s, "fnv1a64:%016llx", static_cast<unsigned long long>(h));
    return s;
}
} // namespace

std::string fnv1a64Hex(const std::string& bytes)
{
    uint64_t h = kOffset;
    mix(h, bytes.data(), bytes.size());
    return hex(h);
}

std::string hashPath(const std::string& path)
{
    namespace fs = std::filesystem;
    uint64_t h = kOffset;
    if (fs::is_directory(path)) {
        std::vector<fs::path> files;
        for (const auto& e : fs::recursive_directory_iterator(path))
            if (e.is_regular_file())
                files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            const std::string rel = fs::relative(f, path).generic_string();
            mix(h, rel.data(), rel.size() + 1); // with the terminating NUL: name/content boundaries stay unambiguous
            mixFile(h, f.string());
        }
    } else {
        mixFile(h, path);
    }
    return hex(h);
}

} // namespace awb
