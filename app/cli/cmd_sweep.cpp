#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "app/cli/search_options.h"
#ifdef AWB_WITH_PDF_REPORT
#include "app/cli/report_pdf_writer.h"
#endif
#include "app/cli/sweep_print.h"
#include "core/jobs/sweep_job.h"

#include <algorithm>
#include <cstdio>

namespace awb::cli {

namespace {
struct SweepArgs {
    ModelOptions model;
    SweepJobOptions job;
    SearchOptions search; // of every AWQ point
    std::vector<std::string> zeroPoint{"on"};
    std::string shard = "1/1", longSamples = "drop";
    SweepOutput output;
};

std::pair<int, int> parseShard(const std::string& s)
{
    int k = 0, n = 0;
    char end = 0;
    if (std::sscanf(s.c_str(), "%d/%d%c", &k, &n, &end) != 2)
        throw ArgumentError("--shard must look like K/N (e.g. 2/8), got " + s);
    return {k, n};
}
} // namespace

void addSweepCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("sweep", "Quantize and measure a grid of settings against one FP model; every finished point is "
                                            "stored at once (HDF5), and a re-run skips the points already stored");
    auto a = std::make_shared<SweepArgs>();
    SweepGrid& g = a->job.grid;
    a->model.addTo(cmd);
    cmd->add_option("--calib", g.calibrations, "calibration sets, comma-separated; one set may join sources with '+' "
                                               "(files, .jsonl, 'wikitext2', 'tinystories', 'self')")->delimiter(',');
    cmd->add_option("--eval", a->job.evalText, "eval text: perplexity, logit drift and entropy windows")->required();
    cmd->add_option("--probes", a->job.probes, "probe set JSON: adds ΔS, free-running entropy and λ (slower)");
    cmd->add_option("--w-bit", g.wBits, "weight bits, comma-separated")->delimiter(',')->required();
    cmd->add_option("--group-size", g.groupSizes, "group sizes, comma-separated (-1 = per output channel)")->delimiter(',')->required();
    cmd->add_option("--zero-point", a->zeroPoint, "on, off or on,off")->delimiter(',')->check(CLI::IsMember({"on", "off"}))
        ->capture_default_str();
    cmd->add_option("--method", g.methods, "awq, rtn or awq,rtn")->delimiter(',')->check(CLI::IsMember({"awq", "rtn"}))
        ->capture_default_str();
    cmd->add_option("--n-samples", g.calibration.nBlocks, "calibration blocks per set")->capture_default_str();
    cmd->add_option("--seqlen", g.calibration.seqLen, "tokens per calibration block")->capture_default_str();
    cmd->add_option("--long-samples", a->longSamples, "samples longer than a block: drop (llm-awq) or split into blocks")
        ->check(CLI::IsMember({"drop", "split"}))->capture_default_str();
    cmd->add_option("--eval-seqlen", g.drift.seqLen, "eval window, BOS included")->capture_default_str();
    cmd->add_option("--max-windows", g.drift.maxEvalWindows, "use at most this many eval windows (0 = all)")->capture_default_str();
    a->search.addTo(cmd);
    cmd->add_option("--shard", a->shard, "run shard K of N (every N-th point from the K-th, 1-based): one Slurm array task")
        ->capture_default_str();
    cmd->add_option("--jobs", a->job.workers, "points run at once (0 = one per core)")->capture_default_str();
    cmd->add_option("--out", a->job.storePath, "the sweep store (HDF5); an existing store of the same plan is resumed")->required();
    addSweepOutputOptions(cmd, a->output);
    cmd->callback([a] {
        SweepJobOptions o = a->job;
        o.model = a->model.source();
        o.grid.zeroPoints.clear();
        for (const auto& z : a->zeroPoint)
            o.grid.zeroPoints.push_back(z == "on");
        o.grid.calibration.longSamples = a->longSamples == "split" ? LongSamples::Split : LongSamples::Drop;
        if (anyGiven(a->search.options) && std::find(o.grid.methods.begin(), o.grid.methods.end(), "awq") == o.grid.methods.end())
            throw ArgumentError("the search options (--feed, --scaling, --scale-screen, ...) do not apply to an RTN-only sweep");
        o.grid.search = a->search.resolved();
        std::tie(o.shardIndex, o.shardCount) = parseShard(a->shard);
        CliJob job;
        const SweepJobResult r = runSweep(o, job.context());
        job.finish();
        std::printf("ran %zu points, %zu already stored; %d workers x %d threads, %.1f s\n", r.ran.size(), r.skipped.size(), r.workers,
                    r.threadsPerWorker, r.totalSeconds);
        nlohmann::json shared = nlohmann::json::array();
        for (const auto& [stage, s] : r.sharedSeconds)
            shared.push_back({{"stage", stage}, {"seconds", s}});
        printSweepStore(r.store, a->output,
                        {{"ran", r.ran}, {"skipped", r.skipped}, {"shard", a->shard}, {"workers", r.workers},
                         {"threads_per_worker", r.threadsPerWorker}, {"shared_seconds", shared}, {"seconds", r.totalSeconds},
                         {"warnings", r.warnings}});
    });
}

void addMergeCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("merge", "Combine the stores of a sweep's shards into one (refuses stores of different plans)");
    auto inputs = std::make_shared<std::vector<std::string>>();
    auto out = std::make_shared<std::string>();
    auto output = std::make_shared<SweepOutput>();
    cmd->add_option("stores", *inputs, "shard stores (.h5)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--out", *out, "the merged store (written atomically)")->required();
    addSweepOutputOptions(cmd, *output);
    cmd->callback([inputs, out, output] {
        std::vector<std::string> duplicates;
        const SweepStoreContents merged = mergeSweepStores(*inputs, *out, &duplicates);
        for (const auto& d : duplicates)
            logLine("warning: point in two stores, kept the first: " + d);
        printSweepStore(merged, *output, {{"inputs", *inputs}, {"duplicates", duplicates}});
    });
}

void addReportCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("report", "Print a sweep store's points and Pareto summary; --csv writes them for a spreadsheet, "
                                             "--pdf the reviewer's drift report");
    auto store = std::make_shared<std::string>();
    auto output = std::make_shared<SweepOutput>();
    auto pdf = std::make_shared<std::string>(), pngDir = std::make_shared<std::string>();
    cmd->add_option("store", *store, "sweep store (.h5)")->required();
    addSweepOutputOptions(cmd, *output);
    cmd->add_option("--pdf", *pdf, "write the drift report as a multi-page PDF (every plot, the tables, gates and provenance)");
    cmd->add_option("--png-dir", *pngDir, "with --pdf: also one PNG per plot into this folder")->needs(cmd->get_option("--pdf"));
    cmd->callback([store, output, pdf, pngDir] {
        printSweepStore(readSweepStore(*store), *output);
        if (pdf->empty())
            return;
#ifdef AWB_WITH_PDF_REPORT
        for (const auto& f : writeStoreReportPdf(*store, *pdf, *pngDir))
            logLine("wrote " + f);
#else
        throw ArgumentError("--pdf: this awb was built without the GUI (AWB_BUILD_GUI=OFF), which draws the report");
#endif
    });
}

} // namespace awb::cli
