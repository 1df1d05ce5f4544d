#include "core/io/safetensors.h"

#include "core/base/atomic_file.h"
#include "core/base/error.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

namespace awb {

namespace {
// torch types of the safetensors dtype names (their sizes: safetensorsDtypeSize)
const std::map<std::string, c10::ScalarType>& dtypeTable()
{
    static const std::map<std::string, c10::ScalarType> table = {
        {"F64", at::kDouble}, {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16}, {"I64", at::kLong},
        {"I32", at::kInt},    {"I16", at::kShort}, {"I8", at::kChar},  {"U8", at::kByte},       {"BOOL", at::kBool}};
    return table;
}
} // namespace

c10::ScalarType scalarTypeFromSafetensors(const std::string& dtype)
{
    auto it = dtypeTable().find(dtype);
    if (it == dtypeTable().end())
        throw ArgumentError("unsupported safetensors dtype " + dtype);
    return it->second;
}

std::string safetensorsDtypeName(c10::ScalarType type)
{
    for (const auto& [name, entry] : dtypeTable())
        if (entry == type)
            return name;
    throw ArgumentError(std::string("dtype ") + c10::toString(type) + " cannot be stored in safetensors");
}

SafetensorsFile::SafetensorsFile(const std::string& path) : m_file(MappedFile::open(path))
{
    SafetensorsHeader header = parseSafetensorsHeader(m_file->data(), m_file->size(), path);
    m_dataOffset = header.dataOffset;
    m_infos = std::move(header.tensors);
    m_metadata = std::move(header.metadata);
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
