#pragma once
// Content hashes for provenance (which model, text or probe set a report was made from). FNV-1a
// 64-bit: not cryptographic, but fast on GB-sized model files and enough to tell files apart.
// Any thread.
#include <cstdint>
#include <string>

namespace awb {

// "fnv1a64:<16 hex digits>" of the bytes.
std::string fnv1a64Hex(const std::string& bytes);
// Of a file's bytes, or of a folder's regular files (relative names and contents, in sorted
// order). Throws IoError naming the path when it cannot be read.
std::string hashPath(const std::string& path);

} // namespace awb
