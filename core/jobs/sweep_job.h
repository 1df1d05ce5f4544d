#pragma once
// The sweep job: what `awb sweep` and the workbench's Sweep view run. Every point of a plan (or of
// one shard of it) is quantized from one FP model and measured against one FP reference, and stored
// the moment it is finished (core/store/sweep_store.h), so nothing finished is ever lost:
// re-running the same sweep on its store skips the points already there.
// Shared once per sweep, not once per point: the loaded FP model, its eval logits (and with a
// probe set its embeddings, retrieval and λ answers), each calibration set, and F's block inputs
// for the per-layer error. Points run on a pool of worker threads (default: one per core, each with
// cores / workers intra-op threads); runSweep itself blocks until they are done.
// Progress: the JobContext gets the sweep's overall progress (units of 1/1000 point) from the
// workers, serialized; cancel stops every worker at its next check and throws Cancelled after the
// finished points are stored. Errors: ArgumentError (settings, a store of another plan),
// IoError/FormatError naming the file; the first error of a worker stops the others.
#include "core/base/job_context.h"
#include "core/jobs/model_source.h"
#include "core/store/sweep_store.h"
#include "core/sweep/sweep_plan.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace awb {

struct SweepJobOptions {
    ModelSource model;
    SweepGrid grid;
    std::string evalText;  // required: the windows of perplexity and logit drift
    std::string probes;    // optional probe set: adds the ΔS, free-running entropy and λ metrics
    std::string storePath; // required
    int shardIndex = 1, shardCount = 1; // run every shardCount-th point, starting at shardIndex (1-based)
    int workers = 0;                    // 0 = one per core, at most one per point to run
};

// Called on a worker thread (calls are serialized): a point's own progress, and once it is stored.
struct SweepCallbacks {
    std::function<void(const SweepPoint& point, int64_t done, int64_t total, const std::string& stage)> pointProgress;
    std::function<void(const SweepRow& row)> pointStored;
};

struct SweepJobResult {
    SweepPlan plan;
    SweepStoreContents store;             // every point in the store after this run
    std::vector<std::string> ran, skipped; // keys run now / found in the store
    std::vector<std::pair<std::string, double>> sharedSeconds; // work done once for all points
    int workers = 0, threadsPerWorker = 0;
    std::vector<std::string> warnings;
    double totalSeconds = 0;
};

// The metric columns of a store: bits_per_weight, the drift figures (docs/METRICS.md; with a probe
// set also the ΔS and λ ones), per-layer error, gates and cost.
std::vector<std::string> sweepColumns(bool withProbes);

SweepJobResult runSweep(const SweepJobOptions& options, JobContext& job, const SweepCallbacks& callbacks = {});

} // namespace awb
