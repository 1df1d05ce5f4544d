#include "core/jobs/written_folder.h"

#include "core/base/error.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace awb {

WrittenFolder describeFolder(const std::string& path)
{
    WrittenFolder w;
    w.path = path;
    std::error_code ec;
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
        w.files.push_back(it->path().filename().string());
        if (it->is_regular_file())
            w.bytes += static_cast<int64_t>(it->file_size());
    }
    if (ec)
        throw IoError(path + ": cannot list the folder: " + ec.message());
    std::sort(w.files.begin(), w.files.end());
    return w;
}

} // namespace awb
