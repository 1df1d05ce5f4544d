#pragma once
// Reading JSON files with errors that name the file: the one place where a file's bytes become
// nlohmann::json, so no parser exception reaches a user raw. And comparing JSON objects.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace awb {

// Throws IoError when the file cannot be read, FormatError(path) when it is not valid JSON.
nlohmann::json readJsonFile(const std::string& path);

// Which top-level keys of two objects differ (e.g. "this sweep store was written by another plan").
std::vector<std::string> differingKeys(const nlohmann::json& a, const nlohmann::json& b);

} // namespace awb
