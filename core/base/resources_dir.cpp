#include "core/base/resources_dir.h"

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace awb {

std::string resourcesDir()
{
    if (const char* env = std::getenv("AWB_RESOURCES"))
        return env;
    // An installed binary (bin/awb, bin/awq-workbench) finds the resources the package installed
    // beside it, first: the source tree it was built from may be gone, or be a different version.
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const fs::path installed = exe.parent_path().parent_path() / "share" / "awq-workbench" / "resources";
        if (fs::is_directory(installed, ec))
            return installed.string();
    }
    return AWB_RESOURCES_DIR;
}

} // namespace awb
