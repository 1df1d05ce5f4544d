#include "core/jobs/input_checks.h"

#include "core/base/error.h"

#include <c10/util/Exception.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace fs = std::filesystem;

namespace awb {

namespace {
// Absolute, without "." / ".." / a trailing slash, so that the parent is the real parent.
fs::path normalTarget(const std::string& path)
{
    fs::path p = fs::absolute(path).lexically_normal();
    return p.has_filename() ? p : p.parent_path();
}

void requireWritableParent(const fs::path& target, const std::string& option)
{
    const fs::path parent = target.parent_path();
    std::error_code ec;
    if (!fs::is_directory(parent, ec))
        throw IoError(option + " " + target.string() + ": folder " + parent.string() + " does not exist");
    if (::access(parent.c_str(), W_OK) != 0)
        throw IoError(option + " " + target.string() + ": folder " + parent.string() + " is not writable");
}
} // namespace

void requireReadableFile(const std::string& path, const std::string& option)
{
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw IoError(option + " " + path + ": file not found");
    if (!fs::is_regular_file(path, ec))
        throw IoError(option + " " + path + ": not a regular file");
    if (!std::ifstream(path))
        throw IoError(option + " " + path + ": cannot be read");
}

void requireWritableFileTarget(const std::string& path, const std::string& option)
{
    std::error_code ec;
    if (path.empty())
        throw IoError(option + ": empty path");
    if (fs::is_directory(path, ec))
        throw IoError(option + " " + path + ": is a folder, a file is to be written there");
    requireWritableParent(normalTarget(path), option);
}

void requireWritableFolderTarget(const std::string& path, const std::string& option)
{
    std::error_code ec;
    if (path.empty())
        throw IoError(option + ": empty path");
    if (fs::exists(path, ec) && !fs::is_directory(path, ec))
        throw IoError(option + " " + path + ": is a file, a folder is to be written there");
    requireWritableParent(normalTarget(path), option);
}

void withErrorContext(const std::string& context, const std::function<void()>& fn)
{
    try {
        fn();
    } catch (const Error&) {
        throw;
    } catch (const c10::Error& e) {
        throw Error(context + ": " + e.what_without_backtrace());
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(context, "", e.what());
    } catch (const fs::filesystem_error& e) {
        throw IoError(context + ": " + e.what());
    }
}

} // namespace awb
