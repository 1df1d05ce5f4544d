#pragma once
// The safetensors files of a Hugging Face folder: model.safetensors, or the shards that
// model.safetensors.index.json names. Finds each tensor's shard and maps every shard once; tensors
// view the mappings. Errors name the index entry or shard and the tensor.
#include "core/io/safetensors.h"

#include <ATen/Tensor.h>
#include <map>
#include <memory>
#include <string>

namespace awb {

class ShardSet {
public:
    // Throws IoError when the folder has neither file, FormatError for a bad index or missing shard.
    explicit ShardSet(const std::string& dir);
    bool contains(const std::string& name) const { return m_where.count(name) != 0; }
    // Throws FormatError naming the source and tensor when it is absent.
    at::Tensor get(const std::string& name) const;
    at::Tensor getOptional(const std::string& name) const { return contains(name) ? get(name) : at::Tensor(); }
    const std::string& source() const { return m_source; } // the index or the single file
    std::string dtypeOf(const std::string& name) const { return m_where.at(name)->info(name).dtype; }

private:
    std::map<std::string, std::shared_ptr<SafetensorsFile>> m_files;
    std::map<std::string, std::shared_ptr<SafetensorsFile>> m_where;
    std::string m_source;
};

} // namespace awb
