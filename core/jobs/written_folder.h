#pragma once
// What a job wrote into an output folder, for its result and the CLI's summary line.
#include <cstdint>
#include <string>
#include <vector>

namespace awb {

struct WrittenFolder {
    std::string path;
    std::vector<std::string> files; // names, sorted
    int64_t bytes = 0;
};

// Throws IoError when the folder cannot be listed.
WrittenFolder describeFolder(const std::string& path);

} // namespace awb
