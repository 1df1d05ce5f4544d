#include "core/base/version.h"

namespace awb {

const char* awbVersion() { return AWB_VERSION; } // set by core/CMakeLists.txt from project()

} // namespace awb
