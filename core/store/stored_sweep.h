#pragma once
// A sweep store read back in depth: F's series and, per point, what its drift views draw (Q's
// series, per-window logit drift, per-case drift, gates, diagnosis, per-layer error, timings,
// warnings and the AWQ search). What the workbench shows when a stored sweep is reopened and what
// `awb report STORE.h5 --pdf` prints. Layout: core/store/sweep_store.h, docs/sweeps.md.
#include "core/store/sweep_store.h"

#include <optional>

namespace awb {

struct StoredSweepPoint {
    SweepRow row;
    std::string calibrationSummary;
    DriftComparison drift; // q, per-window logit drift, caseDrift, lambdaLost, gates, diagnosis
                           // (summary figures are the row's metric columns)
    LayerErrorMap layerError;
    std::optional<AwqResult> awq; // AWQ points
    std::vector<std::pair<std::string, double>> seconds;
    std::vector<std::string> warnings;
};

struct StoredSweep {
    SweepStoreContents contents;
    ModelSeries fp;
    std::vector<std::string> questions; // the probe set's questions, one per case (empty without probes)
    std::vector<StoredSweepPoint> points; // in plan order, as contents.rows
};

// Throws IoError / FormatError naming the file and the HDF5 path.
StoredSweep readStoredSweep(const std::string& path);

} // namespace awb
