#pragma once
// "--key value" command lines of the bench programs. parseOptions calls set(key, value) for each
// pair; set returns false for a key it does not know. A key without a value, an unknown key, a
// value std::stoi/stoll rejects or one whose parser throws std::runtime_error prints the problem and
// the usage line and returns false (exit 2).
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>

namespace awb::bench {

inline bool parseOptions(int argc, char** argv, const char* usage,
                         const std::function<bool(const std::string& key, const std::string& value)>& set)
{
    for (int i = 1; i < argc; i += 2) {
        const std::string key = argv[i];
        if (i + 1 >= argc) {
            std::fprintf(stderr, "option %s needs a value\nusage: %s\n", key.c_str(), usage);
            return false;
        }
        try {
            if (!set(key, argv[i + 1])) {
                std::fprintf(stderr, "unknown option %s\nusage: %s\n", key.c_str(), usage);
                return false;
            }
        } catch (const std::logic_error&) { // std::invalid_argument, std::out_of_range
            std::fprintf(stderr, "option %s: not a number: %s\nusage: %s\n", key.c_str(), argv[i + 1], usage);
            return false;
        } catch (const std::runtime_error& e) { // a value the option's own parser refuses (e.g. awb::feedFromName)
            std::fprintf(stderr, "option %s: %s\nusage: %s\n", key.c_str(), e.what(), usage);
            return false;
        }
    }
    return true;
}

} // namespace awb::bench
