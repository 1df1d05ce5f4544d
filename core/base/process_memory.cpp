#include "core/base/process_memory.h"

#include <fstream>
#include <string>

namespace awb {

namespace {
double statusMiB(const std::string& field)
{
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.compare(0, field.size() + 1, field + ":") == 0)
            return std::stod(line.substr(field.size() + 1)) / 1024.0; // "VmRSS:   123456 kB"
    return 0.0;
}
} // namespace

double residentMiB() { return statusMiB("VmRSS"); }
double peakResidentMiB() { return statusMiB("VmHWM"); }

} // namespace awb
