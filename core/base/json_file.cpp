#include "core/base/json_file.h"

#include "core/base/error.h"

#include <fstream>
#include <sstream>

namespace awb {

nlohmann::json readJsonFile(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        throw IoError(path + ": cannot open");
    std::stringstream text;
    text << in.rdbuf();
    try {
        return nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(path, "", std::string("invalid JSON: ") + e.what());
    }
}

std::vector<std::string> differingKeys(const nlohmann::json& a, const nlohmann::json& b)
{
    std::vector<std::string> out;
    for (const auto& [key, value] : a.items())
        if (!b.contains(key) || b.at(key) != value)
            out.push_back(key);
    for (const auto& [key, value] : b.items())
        if (!a.contains(key))
            out.push_back(key);
    return out;
}

} // namespace awb
