#include "core/io/shard_set.h"

#include "core/base/error.h"
#include "core/io/shard_index.h"

#include <ATen/ATen.h>
#include <filesystem>

namespace fs = std::filesystem;

namespace awb {

ShardSet::ShardSet(const std::string& dir)
{
    const std::string single = dir + "/model.safetensors";
    const std::string index = dir + "/model.safetensors.index.json";
    if (fs::exists(index)) {
        for (const auto& [name, shardName] : readShardIndex(index, dir)) {
            const std::string shardPath = dir + "/" + shardName;
            // named here, where the index and the tensor are known: the reader's IoError would
            // name only the absent file, not which index entry wanted it
            if (!m_files.count(shardPath) && !fs::is_regular_file(shardPath))
                throw FormatError(index, "weight_map." + name, "shard " + shardPath + " does not exist (incomplete download?)");
            if (!m_files.count(shardPath))
                m_files[shardPath] = std::make_shared<SafetensorsFile>(shardPath);
            m_where[name] = m_files[shardPath];
        }
        m_source = index;
    } else if (fs::exists(single)) {
        auto file = std::make_shared<SafetensorsFile>(single);
        for (const auto& name : file->names())
            m_where[name] = file;
        m_source = single;
    } else {
        throw IoError(dir + ": no model.safetensors or model.safetensors.index.json");
    }
}

at::Tensor ShardSet::get(const std::string& name) const
{
    auto it = m_where.find(name);
    if (it == m_where.end())
        throw FormatError(m_source, name, "tensor not found");
    if (!it->second->contains(name))
        throw FormatError(it->second->path(), name, "tensor listed in the index is missing from the shard");
    return it->second->tensor(name);
}

} // namespace awb
