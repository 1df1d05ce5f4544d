#pragma once
// The parts of a drift comparison as HDF5 groups and tables, in the layout of docs/report-format.md:
// the drift report (/fp, /q) and each point of a sweep store share them, so a reader of one reads the
// other. Include only from .cpp files (HDF5 headers stay out of the public API). Throw H5::Exception;
// `where` is advanced to the group being written so the caller's error names it.
#include "core/eval/drift.h"
#include "core/eval/layer_error.h"

#include <H5Cpp.h>
#include <string>

namespace awb {

// A model's series: ppl, entropy (teacher-forced); with a probe set also free-running entropy,
// embeddings, retrieval cases and λ.
void writeModelSeries(H5::Group g, const ModelSeries& m, const FpReference& ref, std::string& where);
// Q's per-position KL and per-window KL, top-1 and Δp.
void writeLogitDrift(H5::Group g, const DriftComparison& d);
void writeLayerError(H5::Group g, const LayerErrorMap& e);
// The "gates" and "diagnosis" tables inside g.
void writeGatesAndDiagnosis(H5::Group& g, const DriftComparison& d);
// A vector<bool> as int8 (0/1).
at::Tensor flagTensor(const std::vector<bool>& v);

// Readers of the same groups, for what the workbench and `awb report` draw: every scalar, the
// entropy series, the per-case retrieval figures and the λ labels. Embeddings, retrieval rankings,
// free-running tokens and δ trajectories stay in the file (read them with h5py for deeper study).
// A group written without a probe set reads back with empty case and λ series.
ModelSeries readModelSeries(const H5::Group& g);
void readLogitDrift(const H5::Group& g, DriftComparison& d);
LayerErrorMap readLayerError(const H5::Group& g);
void readGatesAndDiagnosis(const H5::Group& g, DriftComparison& d);

} // namespace awb
