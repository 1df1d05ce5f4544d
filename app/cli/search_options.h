#pragma once
// The AWQ search's options, shared by `awb quantize` and `awb sweep` (every point of a sweep runs
// the same search): feed, scaling, the alpha grid and its optional screen, the clip search.
#include "core/quant/awq_search.h"

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace awb::cli {

struct SearchOptions {
    AwqOptions search;
    std::string feed = "best", scaling = "best";
    std::vector<CLI::Option*> options; // every option added, to tell "default" from "asked for"

    void addTo(CLI::App* cmd);
    // The options as given (the feed and scaling names resolved); AwqOptions' defaults where not given.
    AwqOptions resolved() const;
};

} // namespace awb::cli
