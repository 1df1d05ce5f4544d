#pragma once
// Checks that a job runs on its inputs before it loads a model or computes anything, so a typo in
// the last argument fails in a second, not after an hour of search. Each throws IoError
// naming the option (e.g. "--eval") and the path.
#include <functional>
#include <string>

namespace awb {

// An existing, readable regular file.
void requireReadableFile(const std::string& path, const std::string& option);
// A path whose parent folder exists and is writable (the target itself may exist: writes replace
// it atomically). Refuses a target that is an existing folder when a file is to be written, and
// the reverse.
void requireWritableFileTarget(const std::string& path, const std::string& option);
void requireWritableFolderTarget(const std::string& path, const std::string& option);

// Runs fn and turns errors of the libraries below the core (c10, nlohmann-json, std::filesystem)
// into awb::Error with `context` (usually the file being processed) in front, so a user never sees
// a raw library message or a C++ backtrace. awb errors pass through unchanged.
void withErrorContext(const std::string& context, const std::function<void()>& fn);

} // namespace awb
