#pragma once
// The tool version (CMake's PROJECT_VERSION), written into reports' provenance.
namespace awb {
const char* toolVersion();
}
