#pragma once
// An AwqResult (settings, scales, clips and search history) inside any HDF5 group, with the layout
// of core/store/result_store.h below its root: the results file and each point of a sweep store
// share it. Include only from .cpp files (HDF5 headers stay out of the public API).
#include "core/quant/awq_result.h"

#include <H5Cpp.h>
#include <string>

namespace awb {

void writeAwqResultGroup(H5::Group& group, const AwqResult& result);
// path and prefix (the group's HDF5 path, "" for the root) name the place of a bad field in errors;
// throws FormatError.
AwqResult readAwqResultGroup(const H5::Group& group, const std::string& path, const std::string& prefix);

} // namespace awb
