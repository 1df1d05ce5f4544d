#pragma once
// What the store fuzz targets require of a store that loads (beyond "only awb::Error comes out"):
// what its users index must be there. One copy for the byte-level and the structured targets.
#include "core/store/result_store.h"
#include "core/store/stored_sweep.h"

#include <cstdlib>
#include <string>

namespace awb::fuzz {

// As `awb quantize --apply-results` reads it: non-empty 1-D scales and 2-D clip tables.
inline void loadResultChecked(const std::string& path)
{
    const AwqResult r = loadAwqResult(path);
    for (const BlockAwqResult& b : r.blocks) {
        for (const ScaleSearch& s : b.scales)
            if (s.scales.dim() != 1 || s.scales.numel() == 0)
                std::abort();
        for (const ClipSearch& c : b.clips)
            if (c.maxVal.dim() != 2 || c.maxVal.numel() == 0)
                std::abort();
    }
}

// As the workbench and `awb report` read it: every row comes back with its point.
inline StoredSweep readSweepChecked(const std::string& path)
{
    StoredSweep s = readStoredSweep(path);
    if (s.points.size() != s.contents.rows.size())
        std::abort();
    return s;
}

} // namespace awb::fuzz
