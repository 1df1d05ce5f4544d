#pragma once
// model.safetensors.index.json: which shard file holds each tensor. Separate from ShardSet (which maps
// the shards) so that the index is read, and fuzzed, without libtorch.
#include <map>
#include <string>

namespace awb {

// Tensor name -> shard file name, each checked to be a plain file name inside dir (no absolute
// path, no ".." component, not empty). Throws IoError when the file cannot be read, FormatError
// naming the index and the field (weight_map.<tensor>) for anything else.
std::map<std::string, std::string> readShardIndex(const std::string& indexPath, const std::string& dir);

} // namespace awb
