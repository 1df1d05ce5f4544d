#pragma once
// The tool's version, for `awb --version` and the provenance that reports and stores record.
#include <string>

namespace awb {

const char* awbVersion(); // e.g. "0.1.0"
// Now in UTC, ISO 8601 ("2026-11-30T12:00:00Z"): when a report or store was made.
std::string utcTimestamp();

} // namespace awb
