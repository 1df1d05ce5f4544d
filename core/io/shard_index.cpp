#include "core/io/shard_index.h"

#include "core/base/error.h"
#include "core/base/json_file.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace awb {

std::map<std::string, std::string> readShardIndex(const std::string& indexPath, const std::string& dir)
{
    const nlohmann::json j = readJsonFile(indexPath);
    if (!j.is_object() || !j.contains("weight_map") || !j.at("weight_map").is_object())
        throw FormatError(indexPath, "weight_map", "missing or not an object");
    std::map<std::string, std::string> shards;
    for (const auto& [name, shard] : j.at("weight_map").items()) {
        if (!shard.is_string())
            throw FormatError(indexPath, "weight_map." + name, "must name a file");
        const std::string shardName = shard.get<std::string>();
        // a shard is a file of this folder: an index from elsewhere must not make us map
        // /etc/... or ../../something through an absolute name or a ".." component
        const fs::path relative(shardName);
        if (shardName.empty() || relative.is_absolute() || relative.has_root_name() ||
            std::any_of(relative.begin(), relative.end(), [](const fs::path& part) { return part == ".."; }))
            throw FormatError(indexPath, "weight_map." + name, "shard \"" + shardName + "\" is not a file name inside " + dir);
        shards[name] = shardName;
    }
    return shards;
}

} // namespace awb
