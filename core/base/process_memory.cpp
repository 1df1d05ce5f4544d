#include "core/base/process_memory.h"

#include <fstream>
#include <string>
#include <unistd.h>

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

double physicalMemoryBytes()
{
    const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
    return pages > 0 && pageSize > 0 ? static_cast<double>(pages) * static_cast<double>(pageSize) : 0.0;
}

} // namespace awb
