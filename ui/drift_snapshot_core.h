#pragma once
// Core drift results (libtorch tensors) -> the plain snapshot structs of ui/drift_point.h. Shared by
// the bridges that make points from a diagnose job and from a stored sweep; include only from
// *_core.cpp files (it pulls in core and so libtorch).
#include "ui/drift_point.h"

#include "core/eval/drift.h"
#include "core/eval/layer_error.h"

namespace awb::ui {

ModelSeriesData seriesOf(const ModelSeries& s);
// Gates, diagnosis and per-case drift of a comparison into the point.
void addComparison(DriftPointData& p, const DriftComparison& d);
void setLayerError(DriftPointData& p, const LayerErrorMap& e);
// The workbench's preview settings: the same metrics on fewer tokens. Long enough for an onset
// (blocks >= 4 x 16 tokens) and for λ's trajectory (checkpoints every 16 tokens); one seed, no flips.
void applyQuickSettings(DriftSettings& settings);
// λ run names, "p1 s1", ...: paraphrase-major, then seed, as the runs are stored ("run N" without seeds).
std::vector<std::string> lambdaRunNames(const std::vector<uint64_t>& seeds, size_t runs);

} // namespace awb::ui
