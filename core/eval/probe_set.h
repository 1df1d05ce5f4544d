#pragma once
// Probe sets (docs/METRICS.md §4): a corpus of sections in reading order and cases that ask about one
// of them. The JSON format (documented in docs/probe-set-format.md):
//   { "format": "awb-probe-set", "version": 1, "name": "...", "description": "...",
//     "sections": [ {"id": "s01", "title": "...", "text": "..."}, ... ],      // in order, >= 2
//     "cases": [ {"question": "...", "paraphrases": ["...", "...", "..."],    // exactly 3
//                 "target": "s01"}, ... ],                                    // a section id, >= 1
//     "free_prompts": ["Once upon a time", ...] }                             // optional
// Section order matters: a target's adjacent sections (previous and next) are the references of
// anchor triangulation. Plain values; safe to share read-only.
#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace awb {

struct ProbeSection {
    std::string id, title, text;
};

struct ProbeCase {
    std::string question;
    std::array<std::string, 3> paraphrases;
    std::string target;
    int64_t targetIndex = 0; // index of the target in sections
};

struct ProbeSet {
    std::string name, description;
    std::vector<ProbeSection> sections;
    std::vector<ProbeCase> cases;
    std::vector<std::string> freePrompts; // prompts of the free-running entropy curve (may be empty)
    std::string path;
    std::string hash; // fnv1a64 of the file's bytes, so a stored embedding names the probe set it came from
};

// Reads and validates a probe set. Throws IoError when unreadable and FormatError naming the file and
// the JSON path of the bad field (e.g. "/cases/3/paraphrases/1") for anything malformed: invalid
// JSON, a missing or wrongly typed field, duplicate section ids, an unknown target.
ProbeSet loadProbeSet(const std::string& path);
// The same checks on parsed JSON; `source` names it in errors.
ProbeSet parseProbeSet(const nlohmann::json& root, const std::string& source);

// The probe set shipped for the embedded stories260K model (resources/probes/).
std::string defaultProbeSetPath();

} // namespace awb
