#pragma once
// The safetensors header (8-byte little-endian length N, then N bytes of JSON) parsed and validated
// from raw bytes, without libtorch: SafetensorsFile maps a file and calls this before it hands out
// any tensor, and the fuzz target calls it directly. Every violation is a FormatError naming the file
// and the tensor or field; nothing is allocated in proportion to a size the file declares.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace awb {

struct TensorInfo {
    std::string dtype; // safetensors name: F32, F16, BF16, I32, ...
    std::vector<int64_t> shape;
    size_t begin = 0; // byte offsets relative to the data section
    size_t end = 0;
};

struct SafetensorsHeader {
    size_t dataOffset = 0; // where the data section starts in the file
    std::map<std::string, TensorInfo> tensors;
    std::map<std::string, std::string> metadata;
};

// The format's own limit on the JSON header (the reference implementation refuses larger ones).
constexpr uint64_t kSafetensorsMaxHeaderBytes = 100ull << 20;
// At most this many dimensions per tensor (torch's own limit is 64; real checkpoints use <= 4).
constexpr size_t kSafetensorsMaxRank = 16;

// `bytes` is the whole file (size `size`); `path` only names it in errors. Checks: the header
// length fits the file and the limit; the JSON is an object of entries with a known dtype, a shape
// of non-negative integers whose product times the dtype size fits in 64 bits, and data_offsets
// inside the data section that span exactly shape x dtype bytes and overlap no other tensor.
SafetensorsHeader parseSafetensorsHeader(const uint8_t* bytes, size_t size, const std::string& path);

// Element size of a safetensors dtype name, or 0 if unknown.
size_t safetensorsDtypeSize(const std::string& dtype);

} // namespace awb
