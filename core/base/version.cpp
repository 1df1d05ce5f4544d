#include "core/base/version.h"

#include <ctime>

namespace awb {

const char* awbVersion() { return AWB_VERSION; } // set by core/CMakeLists.txt from project()

std::string utcTimestamp()
{
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char s[32];
    std::strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return s;
}

} // namespace awb
