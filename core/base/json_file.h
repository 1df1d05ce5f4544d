#pragma once
// Reading JSON files with errors that name the file: the one place where a file's bytes become
// nlohmann::json, so no parser exception reaches a user raw.
#include <nlohmann/json.hpp>
#include <string>

namespace awb {

// Throws IoError when the file cannot be read, FormatError(path) when it is not valid JSON.
nlohmann::json readJsonFile(const std::string& path);

} // namespace awb
