#pragma once
// Where the bundled resources (models, text, probe sets) are: apart from the model loader, so that
// parsers that name a default resource build without libtorch (the fuzz targets).
#include <string>

namespace awb {

std::string resourcesDir(); // $AWB_RESOURCES, the installed package's resources, or the source tree's

} // namespace awb
