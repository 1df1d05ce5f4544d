#include "core/base/version.h"

namespace awb {
const char* toolVersion() { return AWB_VERSION; }
}
