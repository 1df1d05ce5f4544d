#pragma once
// The AWQ search result (scales, clips and the whole search history) of one point of a sweep store,
// read without the rest of the store: what the workbench's AWQ search view shows for a point.
#include "core/quant/awq_result.h"

#include <string>

namespace awb {

// Any thread. Throws IoError (missing or unreadable file), ArgumentError when the store has no
// point `key` or the point is RTN (no search was run), FormatError naming the file and HDF5 path of
// a malformed field.
AwqResult readSweepPointAwq(const std::string& storePath, const std::string& key);

} // namespace awb
