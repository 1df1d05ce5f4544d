#include "core/io/safetensors_header.h"

#include "core/base/checked_math.h"
#include "core/base/error.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

namespace awb {

size_t safetensorsDtypeSize(const std::string& dtype)
{
    static const std::map<std::string, size_t> sizes = {{"F64", 8}, {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"I64", 8},
                                                        {"I32", 4}, {"I16", 2}, {"I8", 1},  {"U8", 1},   {"BOOL", 1}};
    auto it = sizes.find(dtype);
    return it == sizes.end() ? 0 : it->second;
}

namespace {

TensorInfo parseEntry(const nlohmann::json& entry, const std::string& name, size_t dataSize, const std::string& path)
{
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
        throw FormatError(path, name, "entry needs dtype, shape and data_offsets");
    TensorInfo info;
    const auto& dtype = entry["dtype"];
    if (!dtype.is_string() || safetensorsDtypeSize(dtype.get<std::string>()) == 0)
        throw FormatError(path, name, "unknown dtype " + dtype.dump());
    info.dtype = dtype.get<std::string>();
    const auto& shape = entry["shape"];
    if (!shape.is_array())
        throw FormatError(path, name, "shape is not an array");
    if (shape.size() > kSafetensorsMaxRank)
        throw FormatError(path, name, "shape has " + std::to_string(shape.size()) + " dimensions (at most " +
                                                     std::to_string(kSafetensorsMaxRank) + ")");
    // The byte count in 64 bits, checked at every step: a wrapped product (2^61 x F64 = 2^64 = 0)
    // would make data_offsets [0, 0] look right for a tensor far larger than the file.
    uint64_t bytes = safetensorsDtypeSize(info.dtype);
    for (const auto& d : shape) {
        if (!d.is_number_unsigned())
            throw FormatError(path, name, "shape entry " + d.dump() + " is not a non-negative integer");
        const uint64_t dim = d.get<uint64_t>();
        if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) || !checkedMul(bytes, dim, bytes))
            throw FormatError(path, name, "shape " + shape.dump() + " x " + info.dtype + " overflows 64 bits");
        info.shape.push_back(static_cast<int64_t>(dim));
    }
    const auto& offsets = entry["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
        throw FormatError(path, name, "data_offsets must be two non-negative integers");
    const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || end > dataSize)
        throw FormatError(path, name,
                          "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] outside the data section of " +
                              std::to_string(dataSize) + " bytes (file truncated?)");
    if (end - begin != bytes)
        throw FormatError(path, name,
                          "byte range of " + std::to_string(end - begin) + " bytes but shape x dtype needs " +
                              std::to_string(bytes) + " (shape " + shape.dump() + ", " + info.dtype + ")");
    info.begin = static_cast<size_t>(begin);
    info.end = static_cast<size_t>(end);
    return info;
}

} // namespace

SafetensorsHeader parseSafetensorsHeader(const uint8_t* bytes, size_t size, const std::string& path)
{
    if (size < 8)
        throw FormatError(path, "header length", "file is " + std::to_string(size) + " bytes, too short for a header");
    uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i)
        headerLen = (headerLen << 8) | bytes[i];
    if (headerLen > kSafetensorsMaxHeaderBytes || headerLen > size - 8)
        throw FormatError(path, "header length",
                          std::to_string(headerLen) + " bytes does not fit in a file of " + std::to_string(size) +
                              " bytes (limit " + std::to_string(kSafetensorsMaxHeaderBytes) + ")");
    SafetensorsHeader h;
    h.dataOffset = 8 + static_cast<size_t>(headerLen);
    const size_t dataSize = size - h.dataOffset;

    nlohmann::json header;
    try {
        header = nlohmann::json::parse(bytes + 8, bytes + h.dataOffset);
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(path, "header", std::string("invalid JSON: ") + e.what());
    }
    if (!header.is_object())
        throw FormatError(path, "header", "is not a JSON object");

    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object())
                throw FormatError(path, name, "must be an object of strings");
            for (const auto& [key, value] : entry.items()) {
                if (!value.is_string())
                    throw FormatError(path, "__metadata__." + key, "must be a string");
                h.metadata[key] = value.get<std::string>();
            }
            continue;
        }
        h.tensors.emplace(name, parseEntry(entry, name, dataSize, path));
    }

    // Tensors may not share bytes: a view of one would alias another's data.
    std::vector<std::pair<size_t, const std::string*>> ranges;
    for (const auto& [name, info] : h.tensors)
        if (info.end > info.begin)
            ranges.emplace_back(info.begin, &name);
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i) {
        const auto& prev = h.tensors.at(*ranges[i - 1].second);
        if (prev.end > ranges[i].first)
            throw FormatError(path, *ranges[i].second, "data overlaps tensor " + *ranges[i - 1].second);
    }
    return h;
}

} // namespace awb
