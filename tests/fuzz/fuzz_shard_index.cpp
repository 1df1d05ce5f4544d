// libFuzzer target: model.safetensors.index.json, read as ShardSet reads it before it maps any shard.
// Invalid JSON included: only awb::Error may come out; every shard name that comes back must stay
// inside the model folder.
#include "core/base/error.h"
#include "core/io/shard_index.h"
#include "fuzz_input.h"

#include <cstdlib>
#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const awb::fuzz::MemoryFile file(data, size);
    try {
        for (const auto& [tensor, shard] : awb::readShardIndex(file.path(), "/model")) {
            if ((std::filesystem::path("/model") / shard).lexically_normal().string().rfind("/model/", 0) != 0)
                std::abort(); // a name that leaves the folder got through
        }
    } catch (const awb::Error&) {
    }
    return 0;
}
