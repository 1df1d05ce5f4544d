#include "core/jobs/sweep_job.h"

#include "core/awqformat/bits_per_weight.h"
#include "core/base/error.h"
#include "core/base/file_hash.h"
#include "core/base/process_memory.h"
#include "core/base/runtime.h"
#include "core/base/version.h"
#include "core/eval/layer_error.h"
#include "core/jobs/input_checks.h"
#include "core/quant/awq_search.h"
#include "core/tokenizer/text_source.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>

namespace awb {

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Everything the points read, built once before the workers start and read-only while they run.
struct SharedWork {
    Model fp;
    FpReference reference;
    std::map<std::string, CalibrationSet> calibrations; // by the set as given
    FpBlockInputs layerInputs;
    std::vector<std::string> columns;
};

// A point's progress as a fraction of the point: its phases and how much of its time each takes
// (measured on stories260K: the AWQ search about 3/4 of a point, the drift windows most of the rest).
struct PointPhase {
    double start = 0, width = 0;
};
PointPhase quantizePhase(const SweepPoint& p) { return {0.0, p.method == "awq" ? 0.75 : 0.1}; }
PointPhase driftPhase(const SweepPoint& p)
{
    const PointPhase q = quantizePhase(p);
    return {q.width, (1.0 - q.width) * 0.8};
}
PointPhase layerPhase(const SweepPoint& p)
{
    const PointPhase d = driftPhase(p);
    return {d.start + d.width, 1.0 - d.start - d.width};
}

// The whole of one point: quantize, measure, and the record the store keeps.
struct PointOutcome {
    AwqResult awq;
    DriftComparison drift;
    LayerErrorMap layerError;
    SweepPointRecord record;
};

void runPoint(const SweepPoint& p, const SharedWork& shared, const SweepGrid& grid, JobContext& pointJob, PointPhase& phase,
              PointOutcome& out)
{
    const auto start = Clock::now();
    phase = quantizePhase(p);
    out.awq.method = p.method;
    out.awq.quant = p.quant;
    out.awq.modelPath = shared.fp.sourcePath;
    std::string calibrationSummary;
    if (p.method == "awq") {
        const CalibrationSet& calib = shared.calibrations.at(p.calibration);
        AwqOptions search = grid.search;
        search.quant = p.quant;
        out.awq = runAwqSearch(shared.fp, calib.blocks, search, &pointJob);
        out.awq.calibrationSummary = calibrationSummary = calib.summary();
    }
    const Model q = applyAwqResult(shared.fp, out.awq, /*keepCodes=*/true); // codes: λ samples Q
    const double quantizeSeconds = since(start);

    const auto evalStart = Clock::now();
    phase = driftPhase(p);
    out.drift = compareToReference(shared.reference, shared.fp, q, pointJob);
    phase = layerPhase(p);
    out.layerError = layerErrors(shared.fp, q, shared.layerInputs, &pointJob);
    const double evalSeconds = since(evalStart);

    SweepRow& row = out.record.row;
    row.index = p.index;
    row.key = p.key;
    row.method = p.method;
    row.calibration = p.calibration;
    row.quant = p.quant;
    int64_t passed = 0;
    for (const Gate& g : out.drift.gates)
        passed += g.pass ? 1 : 0;
    const at::Tensor err = out.layerError.relError;
    row.values.push_back(bitsPerWeight(shared.fp.config, p.quant));
    for (const auto& [name, value] : namedFigures(out.drift.summary))
        row.values.push_back(value);
    row.values.insert(row.values.end(), {err.mean().item<double>(), err.max().item<double>(), static_cast<double>(passed),
                                         static_cast<double>(out.drift.gates.size()), quantizeSeconds, evalSeconds,
                                         since(start), peakResidentMiB()});
    if (row.values.size() != shared.columns.size())
        throw std::logic_error("sweep row and columns disagree"); // a programming error, not a user's
    out.record.calibrationSummary = calibrationSummary;
    out.record.reference = &shared.reference;
    out.record.drift = &out.drift;
    out.record.layerError = &out.layerError;
    out.record.awq = p.method == "awq" ? &out.awq : nullptr;
    out.record.seconds = {{"quantize", quantizeSeconds}, {"evaluate", evalSeconds}};
    out.record.seconds.insert(out.record.seconds.end(), out.drift.seconds.begin(), out.drift.seconds.end());
    out.record.warnings = pointJob.warnings();
}

// Checks what can be checked without the model, so a typo fails in milliseconds.
void checkOptions(const SweepJobOptions& o)
{
    if (o.evalText.empty())
        throw ArgumentError("--eval is required (the text of the perplexity and logit-drift windows)");
    requireReadableFile(o.evalText, "--eval");
    if (!o.probes.empty())
        requireReadableFile(o.probes, "--probes");
    for (const auto& set : o.grid.calibrations)
        for (const auto& source : calibrationSetSources(set))
            if (source != "self")
                requireReadableFile(resolveCalibrationSource(source), "--calib");
    if (o.storePath.empty())
        throw ArgumentError("--out is required (the sweep store, .h5)");
    requireWritableFileTarget(o.storePath, "--out");
    if (o.workers < 0)
        throw ArgumentError("--jobs must not be negative");
}
// Everything the points share, computed once on the calling thread; timings go to `seconds`.
void prepareSharedWork(const SweepJobOptions& o, const ProbeSet& probes, JobContext& job, SharedWork& shared,
                       std::vector<std::pair<std::string, double>>& seconds)
{
    auto t = Clock::now();
    validateDriftSettings(o.grid.drift, shared.fp.config);
    std::vector<int64_t> evalTokens;
    withErrorContext(o.evalText, [&] { evalTokens = encodeEvalText(*shared.fp.tokenizer, o.evalText); });
    seconds.emplace_back("eval text", since(t));
    for (const auto& set : o.grid.calibrations) {
        t = Clock::now();
        shared.calibrations[set] = buildCalibrationSet(shared.fp, calibrationSetSources(set), o.grid.calibration, &job);
        seconds.emplace_back("calibration set " + set, since(t));
    }
    t = Clock::now();
    shared.reference = buildFpReference(shared.fp, probes, evalTokens, o.grid.drift, job);
    seconds.emplace_back("FP reference (eval logits" + std::string(o.probes.empty() ? ")" : ", probes)"), since(t));
    t = Clock::now();
    // Per-layer error on the first calibration set (eval windows for an RTN-only sweep): one ruler
    // for every point of the sweep, so their errors compare.
    at::Tensor layerTokens;
    if (!shared.calibrations.empty()) {
        layerTokens = shared.calibrations.at(o.grid.calibrations.front()).blocks.slice(0, 0, o.grid.layerErrorWindows);
    } else {
        std::vector<at::Tensor> full;
        for (const auto& w : shared.reference.windows)
            if (w.size(0) == o.grid.drift.seqLen && static_cast<int64_t>(full.size()) < o.grid.layerErrorWindows)
                full.push_back(w);
        layerTokens = full.empty() ? shared.reference.windows.front().unsqueeze(0) : at::stack(full);
    }
    shared.layerInputs = captureFpBlockInputs(shared.fp, layerTokens);
    seconds.emplace_back("FP block inputs (layer error)", since(t));
}

// Runs the points on `workers` threads and stores each finished one (store writes, callbacks and
// reports are serialized). Throws the first worker's error, or Cancelled.
void runPoints(const std::vector<SweepPoint>& todo, const SharedWork& shared, const SweepJobOptions& o, int workers, JobContext& job,
               const SweepCallbacks& callbacks, std::vector<std::string>& ran)
{
    std::mutex mutex; // serializes store writes, callbacks and reports
    std::atomic<size_t> next{0};
    std::vector<double> fraction(todo.size(), 0.0);
    int64_t finished = 0;
    std::exception_ptr firstError;
    const int64_t total = static_cast<int64_t>(todo.size()) * 1000;
    // One stage for the whole run, so a progress printer keeps one bar and one ETA; a point's own
    // stages go to callbacks.pointProgress.
    const std::string stage = "sweep: " + std::to_string(todo.size()) + " points on " + std::to_string(workers) + " workers";
    auto overall = [&] { // under the mutex; false once cancelled
        const double done = static_cast<double>(finished) + std::accumulate(fraction.begin(), fraction.end(), 0.0);
        try {
            job.report(std::min<int64_t>(total, std::llround(done * 1000)), total, stage);
        } catch (const Cancelled&) {
            return false;
        }
        return true;
    };
    auto worker = [&] {
        at::init_num_threads();
        for (size_t i = next++; i < todo.size() && !job.isCancelled(); i = next++) {
            const SweepPoint& p = todo[i];
            PointPhase phase;
            try {
                JobContext pointJob(
                    [&](int64_t done, int64_t n, const std::string& pointStage) {
                        std::lock_guard<std::mutex> guard(mutex);
                        fraction[i] = phase.start + phase.width * (n > 0 ? static_cast<double>(done) / static_cast<double>(n) : 0.0);
                        if (callbacks.pointProgress)
                            callbacks.pointProgress(p, done, n, pointStage);
                        return overall();
                    },
                    [&](const std::string& line) {
                        std::lock_guard<std::mutex> guard(mutex);
                        job.log(p.key + ": " + line);
                    });
                PointOutcome outcome;
                runPoint(p, shared, o.grid, pointJob, phase, outcome);
                std::lock_guard<std::mutex> guard(mutex); // a finished point is stored even after a cancel
                appendSweepPoint(o.storePath, outcome.record);
                ++finished;
                fraction[i] = 0.0;
                ran.push_back(p.key);
                for (const auto& w : outcome.record.warnings)
                    job.warn(p.key + ": " + w);
                job.log("stored " + p.key);
                if (callbacks.pointStored)
                    callbacks.pointStored(outcome.record.row);
                overall();
            } catch (const Cancelled&) {
                job.cancel();
            } catch (...) {
                std::lock_guard<std::mutex> guard(mutex);
                if (!firstError)
                    firstError = std::current_exception();
                job.cancel();
            }
        }
    };
    std::vector<std::thread> pool;
    for (int w = 0; w < workers; ++w)
        pool.emplace_back(worker);
    for (auto& th : pool)
        th.join();
    if (firstError)
        std::rethrow_exception(firstError);
    job.checkCancelled();
}

} // namespace

std::vector<std::string> sweepColumns(bool withProbes)
{
    DriftSummary summary;
    summary.probed = withProbes;
    std::vector<std::string> columns{"bits_per_weight"};
    for (const auto& [name, value] : namedFigures(summary))
        columns.push_back(name);
    columns.insert(columns.end(), {"layer_error_mean", "layer_error_max", "gates_passed", "gates_total", "quantize_seconds",
                                   "eval_seconds", "wall_seconds", "process_peak_rss_mib"});
    return columns;
}

SweepJobResult runSweep(const SweepJobOptions& o, JobContext& job, const SweepCallbacks& callbacks)
{
    const auto start = Clock::now();
    checkOptions(o);
    SweepJobResult result;
    const ProbeSet probes = o.probes.empty() ? ProbeSet{} : loadProbeSet(o.probes);
    const std::string modelPath = o.model.displayPath();
    result.plan = makeSweepPlan(o.grid, hashPath(modelPath), hashPath(o.evalText), probes.hash);
    const std::vector<SweepPoint> shard = shardPoints(result.plan, o.shardIndex, o.shardCount);

    SweepStoreHeader header;
    header.plan = result.plan.identity;
    header.planHash = result.plan.hash;
    header.plannedPoints = static_cast<int64_t>(result.plan.points.size());
    header.columns = sweepColumns(!o.probes.empty());
    header.toolVersion = awbVersion();
    header.created = utcTimestamp();
    header.fpModel = modelPath;
    header.evalText = o.evalText;
    header.probeSet = o.probes;
    const SweepStoreLock lock(o.storePath);
    const std::set<std::string> stored = storedPointKeys(o.storePath, header);
    std::vector<SweepPoint> todo;
    if (shard.empty())
        throw ArgumentError("--shard " + std::to_string(o.shardIndex) + "/" + std::to_string(o.shardCount) + " has no points: the plan has " +
                            std::to_string(result.plan.points.size()));
    for (const auto& p : shard) {
        if (stored.count(p.key))
            result.skipped.push_back(p.key);
        else
            todo.push_back(p);
    }
    for (const auto& key : result.skipped)
        job.log("already in " + o.storePath + ": " + key);

    if (!todo.empty()) {
        const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
        SharedWork shared;
        shared.columns = header.columns;
        const auto t = Clock::now();
        shared.fp = o.model.load();
        result.sharedSeconds.emplace_back("load F", since(t));
        // A tiny model's ops are too small to split across threads (core/base/runtime.h): one each.
        const bool tiny = shared.fp.config.dim < 512;
        {
            const ScopedIntraOpThreads threads(tiny ? 1 : cores);
            prepareSharedWork(o, probes, job, shared, result.sharedSeconds);
        }
        if (!std::filesystem::exists(o.storePath))
            createSweepStore(o.storePath, header, shared.reference);
        result.workers = o.workers > 0 ? o.workers : std::min(cores, static_cast<int>(todo.size()));
        result.threadsPerWorker = tiny ? 1 : std::max(1, cores / result.workers);
        const ScopedIntraOpThreads threads(result.threadsPerWorker);
        runPoints(todo, shared, o, result.workers, job, callbacks, result.ran);
    }
    result.store = readSweepStore(o.storePath);
    result.warnings = job.warnings();
    result.totalSeconds = since(start);
    return result;
}

} // namespace awb
