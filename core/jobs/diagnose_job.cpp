#include "core/jobs/diagnose_job.h"

#include "core/base/error.h"
#include "core/base/file_hash.h"
#include "core/base/runtime.h"
#include "core/base/version.h"
#include "core/io/model_loader.h"
#include "core/quant/awq_result.h"
#include "core/quant/awq_search.h"
#include "core/store/drift_report.h"
#include "core/tokenizer/text_source.h"

#include <ATen/ATen.h>
#include <chrono>
#include <filesystem>

namespace awb {

namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

bool noQuantization(const DiagnoseOptions& o) { return o.quantDir.empty() && o.quant.wBit == 16; }

void requireFile(const std::string& path, const std::string& what)
{
    if (!fs::exists(path))
        throw IoError(what + " " + path + ": file not found");
}

// Everything that can be checked without a model, so a typo fails in milliseconds.
ProbeSet checkInputs(const DiagnoseOptions& o)
{
    if (!o.quantDir.empty()) {
        if (!fs::is_regular_file(fs::path(o.quantDir) / "config.json"))
            throw IoError("--quant " + o.quantDir + ": not a model folder (no config.json)");
    } else {
        if (o.method != "awq" && o.method != "rtn")
            throw ArgumentError("--method must be awq or rtn, got " + o.method);
        if (o.quant.wBit != 16)
            o.quant.validate();
        if (o.quant.wBit != 16 && o.method == "awq" && o.calib.empty())
            throw ArgumentError("--calib is required for --method awq");
    }
    if (!o.model.empty())
        requireFile(o.model, "--model");
    if (!o.tokenizer.empty())
        requireFile(o.tokenizer, "--tokenizer");
    if (o.evalText.empty())
        throw ArgumentError("--eval is required (the text of the perplexity and logit-drift windows)");
    requireFile(o.evalText, "--eval");
    for (const auto& src : o.calib)
        if (src != "self")
            requireFile(resolveCalibrationSource(src), "--calib");
    if (!o.report.empty()) {
        const fs::path parent = fs::absolute(o.report).parent_path();
        if (!fs::is_directory(parent))
            throw IoError("--report " + o.report + ": folder " + parent.string() + " does not exist");
    }
    if (o.calibration.nBlocks < 1 || o.calibration.seqLen < 2)
        throw ArgumentError("--n-samples must be >= 1 and --seqlen >= 2");
    if (o.layerErrorWindows < 1)
        throw ArgumentError("layer-error windows must be at least 1");
    return loadProbeSet(o.probes.empty() ? defaultProbeSetPath() : o.probes);
}

// Q from F by the existing core functions. Kept in one place: a core quantize job will take it over.
Model produceQuantized(const Model& fp, const DiagnoseOptions& o, const CalibrationSet* calib, JobContext& job)
{
    if (!o.quantDir.empty()) {
        LoadOptions lo;
        lo.requireTokenizer = false; // F's tokenizer is the one used for every text
        return loadModel(o.quantDir, lo);
    }
    if (noQuantization(o))
        return fp;
    AwqResult result;
    result.method = o.method;
    result.quant = o.quant;
    result.modelPath = fp.sourcePath;
    if (o.method == "awq") {
        AwqOptions awq;
        awq.quant = o.quant;
        result = runAwqSearch(fp, calib->blocks, awq, &job);
        result.calibrationSummary = calib->summary();
    }
    return applyAwqResult(fp, result, /*keepCodes=*/true); // no blocks: RTN of every linear; codes: λ samples Q
}

// Calibration samples as the calibration set counts them (BOS + tokens), for the sanity check.
std::vector<std::vector<int64_t>> calibrationSamples(const Model& fp, const DiagnoseOptions& o)
{
    std::vector<std::vector<int64_t>> samples;
    for (const auto& src : o.calib) {
        if (src == "self" || isSavedBlocksFile(src))
            continue; // sampled from F itself, or token ids saved from a set: no text to compare
        for (const auto& s : readCalibrationSamples(resolveCalibrationSource(src), o.calibration.unit))
            samples.push_back(fp.tokenizer->encode(s, true));
    }
    return samples;
}
} // namespace

DiagnoseResult runDiagnose(const DiagnoseOptions& o, JobContext& job)
{
    const auto start = Clock::now();
    const ProbeSet probes = checkInputs(o);
    DiagnoseResult r;
    auto t = Clock::now();
    LoadOptions lo;
    lo.tokenizerPath = o.tokenizer;
    const std::string fpPath = o.model.empty() ? defaultModelPath() : o.model;
    const Model fp = loadModel(fpPath, lo);
    validateDriftSettings(o.settings, fp.config);
    const ScopedJobThreads threads(fp.config.dim);
    const std::vector<int64_t> evalTokens = encodeEvalText(*fp.tokenizer, o.evalText);
    r.seconds.emplace_back("load F + eval text", since(t));

    CalibrationSet calib;
    const bool haveCalib = !o.calib.empty();
    if (haveCalib) {
        t = Clock::now();
        calib = buildCalibrationSet(fp, o.calib, o.calibration, &job);
        r.seconds.emplace_back("calibration set", since(t));
    }
    t = Clock::now();
    const Model q = produceQuantized(fp, o, haveCalib ? &calib : nullptr, job);
    r.seconds.emplace_back(o.quantDir.empty() ? (noQuantization(o) ? "Q = F (w16)" : "quantize (" + o.method + ")") : "load Q", since(t));
    job.checkCancelled();

    r.reference = buildFpReference(fp, probes, evalTokens, o.settings, job);
    r.seconds.insert(r.seconds.end(), r.reference.seconds.begin(), r.reference.seconds.end());
    r.drift = compareToReference(r.reference, fp, q, job);
    r.seconds.insert(r.seconds.end(), r.drift.seconds.begin(), r.drift.seconds.end());

    // Per-layer error on calibration activations (eval windows when Q came without a calibration set).
    t = Clock::now();
    at::Tensor activations;
    if (haveCalib) {
        activations = calib.blocks.slice(0, 0, o.layerErrorWindows);
    } else {
        std::vector<at::Tensor> full;
        for (const auto& w : r.reference.windows)
            if (w.size(0) == o.settings.seqLen && static_cast<int64_t>(full.size()) < o.layerErrorWindows)
                full.push_back(w);
        activations = full.empty() ? r.reference.windows.front().unsqueeze(0) : at::stack(full);
    }
    r.layerError = layerErrors(fp, q, activations, &job);
    r.seconds.emplace_back("layer error", since(t));

    if (haveCalib) {
        t = Clock::now();
        const auto samples = calibrationSamples(fp, o);
        if (!samples.empty()) {
            r.calibrationSanity = checkCalibration(fp, samples, evalTokens, o.calibration.seqLen, r.reference.mu,
                                                   o.settings.calibration, &job);
            r.hasCalibrationSanity = true;
        }
        r.seconds.emplace_back("calibration sanity", since(t));
    }

    auto& p = r.provenance;
    p.toolVersion = awbVersion();
    p.created = utcTimestamp();
    p.fpModel = fpPath;
    p.fpModelHash = hashPath(fpPath);
    p.fpDtype = fp.weightDtype;
    p.qSource = o.quantDir.empty() ? "made from F by " + (noQuantization(o) ? std::string("nothing (w16)") : o.method) : o.quantDir;
    p.qModelHash = o.quantDir.empty() ? std::string() : hashPath(o.quantDir);
    p.method = o.quantDir.empty() ? (noQuantization(o) ? "none" : o.method) : "autoawq-folder";
    p.quantLabel = o.quantDir.empty() ? (noQuantization(o) ? "w16" : o.quant.label()) : q.quantization;
    p.calibration = haveCalib ? calib.summary() : std::string();
    p.calibSources = o.calib;
    p.evalText = o.evalText;
    p.evalTextHash = hashPath(o.evalText);
    p.probes = probes.path;
    p.probesHash = probes.hash;
    r.warnings = job.warnings();
    job.checkCancelled(); // a job stopped now leaves no report behind
    if (!o.report.empty()) {
        t = Clock::now();
        r.totalSeconds = since(start);
        writeDriftReport(o.report, r);
        r.seconds.emplace_back("write report", since(t));
    }
    r.totalSeconds = since(start);
    return r;
}

} // namespace awb
