#pragma once
// The tool's version, for `awb --version` and the provenance that reports and stores record.
namespace awb {

const char* awbVersion(); // e.g. "0.1.0"

} // namespace awb
