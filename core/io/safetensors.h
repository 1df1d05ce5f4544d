#pragma once
// Safetensors reader and writer (format: 8-byte little-endian header length N, N bytes of JSON
// header, raw little-endian data). The reader maps the file and hands out tensors that view the
// mapping without copying; every header violation is a FormatError naming the file and tensor.
#include "core/base/mapped_file.h"
#include "core/io/safetensors_header.h"

#include <ATen/Tensor.h>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace awb {

class SafetensorsFile {
public:
    // Maps and validates the file; throws IoError or FormatError.
    explicit SafetensorsFile(const std::string& path);

    const std::string& path() const { return m_file->path(); }
    bool contains(const std::string& name) const { return m_infos.count(name) != 0; }
    const TensorInfo& info(const std::string& name) const;
    std::vector<std::string> names() const;
    const std::map<std::string, std::string>& metadata() const { return m_metadata; }
    // A tensor viewing the mapping (its dtype as stored). The mapping stays alive while it exists.
    at::Tensor tensor(const std::string& name) const;

private:
    std::shared_ptr<MappedFile> m_file;
    size_t m_dataOffset = 0;
    std::map<std::string, TensorInfo> m_infos;
    std::map<std::string, std::string> m_metadata;
};

std::string safetensorsDtypeName(c10::ScalarType type); // throws ArgumentError for unsupported types
c10::ScalarType scalarTypeFromSafetensors(const std::string& dtype); // throws ArgumentError

// Writes tensors (in the given order, each in its own dtype) atomically to path.
void writeSafetensors(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

} // namespace awb
