#include "ui/workspace.h"

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/base/json_file.h"

#include <nlohmann/json.hpp>

#include <filesystem>

namespace awb::ui {

namespace {
using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kFormat = "awb-workspace";

// Readers of one field each: a wrong type or value names the file and the JSON path.
const json& member(const json& obj, const char* name, const std::string& file, const std::string& where)
{
    if (!obj.is_object() || !obj.contains(name))
        throw FormatError(file, where + "/" + name, "missing");
    return obj.at(name);
}

std::string stringField(const json& obj, const char* name, const std::string& file, const std::string& where)
{
    const json& v = member(obj, name, file, where);
    if (!v.is_string())
        throw FormatError(file, where + "/" + name, "must be a string");
    return v.get<std::string>();
}

int64_t positiveField(const json& obj, const char* name, const std::string& file, const std::string& where)
{
    const json& v = member(obj, name, file, where);
    if (!v.is_number_integer() || v.get<int64_t>() < 1)
        throw FormatError(file, where + "/" + name, "must be a positive integer, got " + v.dump());
    return v.get<int64_t>();
}

// Bundled names and "self" stay as they are; relative file paths are the workspace folder's.
std::string resolved(const std::string& path, const std::string& workspaceFile)
{
    if (path.empty() || path == "tinystories" || path == "wikitext2" || path == "self" || fs::path(path).is_absolute())
        return path;
    return (fs::absolute(workspaceFile).parent_path() / path).lexically_normal().string();
}
} // namespace

void saveWorkspace(const std::string& path, const Workspace& w)
{
    json sources = json::array();
    for (const CalibrationSourceChoice& s : w.calibration.sources)
        sources.push_back({{"source", s.source}, {"checked", s.checked}});
    const json root = {{"format", kFormat},
                       {"version", 1},
                       {"model", w.model},
                       {"calibration",
                        {{"sources", sources},
                         {"blocks", w.calibration.blocks},
                         {"seqlen", w.calibration.seqLen},
                         {"long_samples", w.calibration.splitLongSamples ? "split" : "drop"},
                         {"target_text", w.calibration.targetText}}},
                       {"sweep_store", w.sweepStore}};
    writeFileAtomic(path, root.dump(2) + "\n");
}

Workspace loadWorkspace(const std::string& path)
{
    const json root = readJsonFile(path);
    if (!root.is_object())
        throw FormatError(path, "/", "a workspace is a JSON object");
    if (stringField(root, "format", path, "") != kFormat)
        throw FormatError(path, "/format", "not an AWQ Workbench workspace (expected \"awb-workspace\")");
    const json& version = member(root, "version", path, "");
    if (!version.is_number_integer() || version.get<int64_t>() != 1) // int64: get<int> would read 2^32 + 1 as 1
        throw FormatError(path, "/version", "unsupported version " + version.dump() + " (this workbench reads 1)");
    Workspace w;
    w.model = resolved(stringField(root, "model", path, ""), path);
    w.sweepStore = resolved(stringField(root, "sweep_store", path, ""), path);
    const json& c = member(root, "calibration", path, "");
    if (!c.is_object())
        throw FormatError(path, "/calibration", "must be an object");
    const json& sources = member(c, "sources", path, "/calibration");
    if (!sources.is_array())
        throw FormatError(path, "/calibration/sources", "must be an array");
    w.calibration.sources.clear();
    for (size_t i = 0; i < sources.size(); ++i) {
        const std::string where = "/calibration/sources/" + std::to_string(i);
        CalibrationSourceChoice s;
        s.source = resolved(stringField(sources[i], "source", path, where), path);
        if (s.source.empty())
            throw FormatError(path, where + "/source", "must not be empty");
        const json& checked = member(sources[i], "checked", path, where);
        if (!checked.is_boolean())
            throw FormatError(path, where + "/checked", "must be true or false");
        s.checked = checked.get<bool>();
        w.calibration.sources.push_back(s);
    }
    w.calibration.blocks = positiveField(c, "blocks", path, "/calibration");
    w.calibration.seqLen = positiveField(c, "seqlen", path, "/calibration");
    if (w.calibration.seqLen < 2)
        throw FormatError(path, "/calibration/seqlen", "must be at least 2");
    const std::string longSamples = stringField(c, "long_samples", path, "/calibration");
    if (longSamples != "split" && longSamples != "drop")
        throw FormatError(path, "/calibration/long_samples", "must be \"split\" or \"drop\", got \"" + longSamples + "\"");
    w.calibration.splitLongSamples = longSamples == "split";
    w.calibration.targetText = resolved(stringField(c, "target_text", path, "/calibration"), path);
    return w;
}

} // namespace awb::ui
