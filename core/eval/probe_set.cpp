#include "core/eval/probe_set.h"

#include "core/base/error.h"
#include "core/base/file_hash.h"
#include "core/base/resources_dir.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace awb {

namespace {
using nlohmann::json;

// Every access goes through these so a wrongly typed field becomes a FormatError naming its JSON
// path instead of a raw nlohmann::type_error.
const json& member(const json& obj, const std::string& key, const std::string& path, const std::string& source)
{
    if (!obj.is_object())
        throw FormatError(source, path.empty() ? "/" : path, "expected an object");
    auto it = obj.find(key);
    if (it == obj.end())
        throw FormatError(source, path + "/" + key, "missing");
    return *it;
}

std::string text(const json& v, const std::string& path, const std::string& source, bool allowEmpty = false)
{
    if (!v.is_string())
        throw FormatError(source, path, std::string("expected a string, got ") + v.type_name());
    std::string s = v.get<std::string>();
    if (!allowEmpty && s.find_first_not_of(" \t\r\n") == std::string::npos)
        throw FormatError(source, path, "empty");
    return s;
}

const json& array(const json& v, const std::string& path, const std::string& source)
{
    if (!v.is_array())
        throw FormatError(source, path, std::string("expected an array, got ") + v.type_name());
    return v;
}
} // namespace

ProbeSet parseProbeSet(const json& root, const std::string& source)
{
    if (!root.is_object())
        throw FormatError(source, "/", "expected a JSON object");
    if (root.contains("format") && text(root["format"], "/format", source) != "awb-probe-set")
        throw FormatError(source, "/format", "expected \"awb-probe-set\"");
    if (root.contains("version")) {
        if (!root["version"].is_number_integer())
            throw FormatError(source, "/version", "expected an integer");
        if (root["version"].get<int64_t>() > 1)
            throw FormatError(source, "/version", "written for a newer AWQ Workbench (this one reads version 1)");
    }
    ProbeSet set;
    if (root.contains("name"))
        set.name = text(root["name"], "/name", source, true);
    if (root.contains("description"))
        set.description = text(root["description"], "/description", source, true);
    const json& sections = array(member(root, "sections", "", source), "/sections", source);
    if (sections.size() < 2)
        throw FormatError(source, "/sections", "needs at least 2 sections (a target and a neighbour)");
    std::set<std::string> ids;
    for (size_t i = 0; i < sections.size(); ++i) {
        const std::string p = "/sections/" + std::to_string(i);
        ProbeSection s;
        s.id = text(member(sections[i], "id", p, source), p + "/id", source);
        s.title = sections[i].contains("title") ? text(sections[i]["title"], p + "/title", source, true) : std::string();
        s.text = text(member(sections[i], "text", p, source), p + "/text", source);
        if (!ids.insert(s.id).second)
            throw FormatError(source, p + "/id", "duplicate section id \"" + s.id + "\"");
        set.sections.push_back(std::move(s));
    }
    const json& cases = array(member(root, "cases", "", source), "/cases", source);
    if (cases.empty())
        throw FormatError(source, "/cases", "needs at least one case");
    for (size_t i = 0; i < cases.size(); ++i) {
        const std::string p = "/cases/" + std::to_string(i);
        ProbeCase c;
        c.question = text(member(cases[i], "question", p, source), p + "/question", source);
        const json& para = array(member(cases[i], "paraphrases", p, source), p + "/paraphrases", source);
        if (para.size() != 3)
            throw FormatError(source, p + "/paraphrases", "expected exactly 3 paraphrases, got " + std::to_string(para.size()));
        for (size_t k = 0; k < 3; ++k)
            c.paraphrases[k] = text(para[k], p + "/paraphrases/" + std::to_string(k), source);
        c.target = text(member(cases[i], "target", p, source), p + "/target", source);
        c.targetIndex = -1;
        for (size_t s = 0; s < set.sections.size(); ++s)
            if (set.sections[s].id == c.target)
                c.targetIndex = static_cast<int64_t>(s);
        if (c.targetIndex < 0)
            throw FormatError(source, p + "/target", "no section has id \"" + c.target + "\"");
        set.cases.push_back(std::move(c));
    }
    if (root.contains("free_prompts")) {
        const json& prompts = array(root["free_prompts"], "/free_prompts", source);
        for (size_t i = 0; i < prompts.size(); ++i)
            set.freePrompts.push_back(text(prompts[i], "/free_prompts/" + std::to_string(i), source));
    }
    return set;
}

ProbeSet loadProbeSet(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw IoError(path + ": cannot open probe set");
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string content = buffer.str();
    json root;
    try {
        root = json::parse(content);
    } catch (const json::exception& e) { // parse_error, and out_of_range for numbers like 1e999
        throw FormatError(path, "", std::string("not valid JSON (") + e.what() + ")");
    }
    ProbeSet set = parseProbeSet(root, path);
    set.path = path;
    set.hash = fnv1a64Hex(content);
    return set;
}

std::string defaultProbeSetPath() { return resourcesDir() + "/probes/stories260K-probes.json"; }

} // namespace awb
