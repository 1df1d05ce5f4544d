// Bridge from core's sweep job and store (libtorch, HDF5) to the plain SweepTable the Sweep view reads.
#include "ui/sweep_data.h"

#include "ui/drift_snapshot_core.h"

#include "core/eval/probe_set.h"
#include "core/io/model_loader.h"
#include "core/jobs/sweep_job.h"

namespace awb::ui {

namespace {
SweepTableRow rowOf(const SweepRow& r)
{
    return {r.index, r.key, r.method, r.calibration, r.quant.wBit, r.quant.groupSize, r.quant.zeroPoint, r.values};
}
} // namespace

int SweepTable::column(const std::string& name) const
{
    for (size_t i = 0; i < columns.size(); ++i)
        if (columns[i] == name)
            return int(i);
    return -1;
}

SweepTable runSweepJob(const SweepRequest& request, JobContext& job, const SweepCallbacksData& callbacks)
{
    SweepJobOptions o;
    o.model.path = request.model;
    o.grid.wBits = request.wBits;
    o.grid.groupSizes = request.groupSizes;
    o.grid.zeroPoints = request.zeroPoints;
    o.grid.methods = request.methods;
    o.grid.calibrations = request.calibrations;
    o.grid.calibration.nBlocks = request.calibBlocks;
    o.grid.calibration.seqLen = request.calibSeqLen;
    o.grid.calibration.longSamples = request.splitLongSamples ? LongSamples::Split : LongSamples::Drop;
    o.grid.drift.seqLen = request.evalSeqLen;
    o.grid.drift.maxEvalWindows = request.maxEvalWindows;
    o.grid.layerErrorWindows = std::min<int64_t>(o.grid.layerErrorWindows, request.calibBlocks);
    o.grid.search.feed = feedFromName(request.feed);
    o.grid.search.scaling = scalingFromName(request.scaling);
    o.grid.search.scaleScreenEvery = request.scaleScreen;
    o.evalText = request.evalText.empty() ? resourcesDir() + "/text/tinystories-valid-sample.txt" : request.evalText;
    if (request.withProbes)
        o.probes = request.probes.empty() ? defaultProbeSetPath() : request.probes;
    if (request.quick)
        applyQuickSettings(o.grid.drift);
    o.storePath = request.storePath;

    if (callbacks.started) {
        SweepTable header;
        header.path = request.storePath;
        header.columns = sweepColumns(!o.probes.empty());
        // As SweepPlan counts them: AWQ once per calibration set, RTN once (it does not calibrate).
        const size_t formats = request.wBits.size() * request.groupSizes.size() * request.zeroPoints.size();
        size_t points = 0;
        for (const std::string& m : request.methods)
            points += formats * (m == "awq" ? std::max<size_t>(1, request.calibrations.size()) : 1);
        header.plannedPoints = int64_t(points);
        callbacks.started(header);
    }
    SweepCallbacks c;
    if (callbacks.pointProgress)
        c.pointProgress = [&](const SweepPoint& p, int64_t done, int64_t total, const std::string& stage) {
            callbacks.pointProgress(p.key, done, total, stage);
        };
    if (callbacks.pointStored)
        c.pointStored = [&](const SweepRow& row) { callbacks.pointStored(rowOf(row)); };
    const SweepJobResult r = runSweep(o, job, c);
    SweepTable table;
    table.path = r.store.path;
    table.plannedPoints = r.store.header.plannedPoints;
    table.columns = r.store.header.columns;
    for (const SweepRow& row : r.store.rows)
        table.rows.push_back(rowOf(row));
    return table;
}

SweepTable readSweepTable(const std::string& path)
{
    const SweepStoreContents s = readSweepStore(path);
    SweepTable table;
    table.path = s.path.empty() ? path : s.path;
    table.plannedPoints = s.header.plannedPoints;
    table.columns = s.header.columns;
    for (const SweepRow& row : s.rows)
        table.rows.push_back(rowOf(row));
    return table;
}

} // namespace awb::ui
