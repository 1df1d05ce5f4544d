#include "core/io/safetensors.h"

#include "core/base/atomic_file.h"
#include "core/base/error.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

namespace awb {

namespace {
const std::map<std::string, std::pair<size_t, c10::ScalarType>>& dtypeTable()
{
    static const std::map<std::string, std::pair<size_t, c10::ScalarType>> table = {
        {"F64", {8, at::kDouble}}, {"F32", {4, at::kFloat}}, {"F16", {2, at::kHalf}},
        {"BF16", {2, at::kBFloat16}}, {"I64", {8, at::kLong}}, {"I32", {4, at::kInt}},
        {"I16", {2, at::kShort}}, {"I8", {1, at::kChar}}, {"U8", {1, at::kByte}}, {"BOOL", {1, at::kBool}}};
    return table;
}
constexpr uint64_t kMaxHeaderBytes = 100ull << 20; // the format's own limit is 100 MB
} // namespace

size_t safetensorsDtypeSize(const std::string& dtype)
{
    auto it = dtypeTable().find(dtype);
    return it == dtypeTable().end() ? 0 : it->second.first;
}

c10::ScalarType scalarTypeFromSafetensors(const std::string& dtype)
{
    auto it = dtypeTable().find(dtype);
    if (it == dtypeTable().end())
        throw ArgumentError("unsupported safetensors dtype " + dtype);
    return it->second.second;
}

std::string safetensorsDtypeName(c10::ScalarType type)
{
    for (const auto& [name, entry] : dtypeTable())
        if (entry.second == type)
            return name;
    throw ArgumentError(std::string("dtype ") + c10::toString(type) + " cannot be stored in safetensors");
}

SafetensorsFile::SafetensorsFile(const std::string& path) : m_file(MappedFile::open(path))
{
    const size_t fileSize = m_file->size();
    if (fileSize < 8)
        throw FormatError(path, "header length", "file is " + std::to_string(fileSize) + " bytes, too short for a header");
    uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i)
        headerLen = (headerLen << 8) | m_file->data()[i];
    if (headerLen > kMaxHeaderBytes || headerLen > fileSize - 8)
        throw FormatError(path, "header length",
                          std::to_string(headerLen) + " bytes does not fit in a file of " + std::to_string(fileSize) + " bytes");
    m_dataOffset = 8 + headerLen;
    const size_t dataSize = fileSize - m_dataOffset;

    nlohmann::json header;
    try {
        header = nlohmann::json::parse(m_file->data() + 8, m_file->data() + 8 + headerLen);
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
                m_metadata[key] = value.get<std::string>();
            }
            continue;
        }
        if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
            throw FormatError(path, name, "entry needs dtype, shape and data_offsets");
        TensorInfo info;
        if (!entry["dtype"].is_string() || safetensorsDtypeSize(entry["dtype"].get<std::string>()) == 0)
            throw FormatError(path, name, "unknown dtype " + entry["dtype"].dump());
        info.dtype = entry["dtype"].get<std::string>();
        const auto& shape = entry["shape"];
        if (!shape.is_array())
            throw FormatError(path, name, "shape is not an array");
        uint64_t numel = 1;
        for (const auto& d : shape) {
            if (!d.is_number_unsigned())
                throw FormatError(path, name, "shape entry " + d.dump() + " is not a non-negative integer");
            uint64_t dim = d.get<uint64_t>();
            if (dim != 0 && numel > (uint64_t(1) << 62) / dim)
                throw FormatError(path, name, "shape overflows");
            numel *= dim;
            info.shape.push_back(static_cast<int64_t>(dim));
        }
        const auto& offsets = entry["data_offsets"];
        if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
            throw FormatError(path, name, "data_offsets must be two non-negative integers");
        info.begin = offsets[0].get<uint64_t>();
        info.end = offsets[1].get<uint64_t>();
        if (info.begin > info.end || info.end > dataSize)
            throw FormatError(path, name,
                              "data_offsets [" + std::to_string(info.begin) + ", " + std::to_string(info.end) +
                                  "] outside the data section of " + std::to_string(dataSize) + " bytes (file truncated?)");
        const uint64_t expected = numel * safetensorsDtypeSize(info.dtype);
        if (info.end - info.begin != expected)
            throw FormatError(path, name,
                              "byte range of " + std::to_string(info.end - info.begin) + " bytes but shape x dtype needs " +
                                  std::to_string(expected));
        m_infos.emplace(name, std::move(info));
    }

    std::vector<std::pair<size_t, const std::string*>> ranges;
    for (const auto& [name, info] : m_infos)
        if (info.end > info.begin)
            ranges.emplace_back(info.begin, &name);
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i) {
        const auto& prev = m_infos.at(*ranges[i - 1].second);
        if (prev.end > ranges[i].first)
            throw FormatError(path, *ranges[i].second, "data overlaps tensor " + *ranges[i - 1].second);
    }
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const
{
    auto it = m_infos.find(name);
    if (it == m_infos.end())
        throw FormatError(path(), name, "tensor not found");
    return it->second;
}

std::vector<std::string> SafetensorsFile::names() const
{
    std::vector<std::string> out;
    for (const auto& entry : m_infos)
        out.push_back(entry.first);
    return out;
}

at::Tensor SafetensorsFile::tensor(const std::string& name) const
{
    const TensorInfo& ti = info(name);
    const auto type = scalarTypeFromSafetensors(ti.dtype);
    uint8_t* ptr = m_file->mutableData() + m_dataOffset + ti.begin;
    const size_t elem = safetensorsDtypeSize(ti.dtype);
    if (reinterpret_cast<uintptr_t>(ptr) % elem != 0) {
        // Unaligned data (legal in the format): copy rather than hand out a misaligned view.
        at::Tensor out = at::empty(ti.shape, at::TensorOptions().dtype(type));
        std::memcpy(out.data_ptr(), ptr, ti.end - ti.begin);
        return out;
    }
    auto keep = m_file;
    return at::from_blob(ptr, ti.shape, [keep](void*) {}, at::TensorOptions().dtype(type));
}

void writeSafetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata)
{
    nlohmann::ordered_json header;
    if (!metadata.empty())
        header["__metadata__"] = metadata;
    std::vector<at::Tensor> contiguous;
    size_t offset = 0;
    for (const auto& [name, t] : tensors) {
        at::Tensor c = t.detach().cpu().contiguous();
        const size_t bytes = c.numel() * c.element_size();
        header[name] = {{"dtype", safetensorsDtypeName(c.scalar_type())},
                        {"shape", c.sizes().vec()},
                        {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        contiguous.push_back(std::move(c));
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' '); // keep the data section 8-byte aligned
    uint8_t len[8];
    uint64_t n = text.size();
    for (int i = 0; i < 8; ++i)
        len[i] = static_cast<uint8_t>(n >> (8 * i));
    AtomicFile file(path);
    file.write(len, 8);
    file.write(text);
    for (const auto& c : contiguous)
        file.write(c.data_ptr(), c.numel() * c.element_size());
    file.commit();
}

} // namespace awb
