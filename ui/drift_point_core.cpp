// Bridge from core's diagnose job (libtorch tensors) to the plain DriftPointData the views read.
#include "ui/drift_point.h"
#include "ui/drift_snapshot_core.h"

#include "core/base/utf8.h"

#include "core/awqformat/bits_per_weight.h"
#include "core/io/model_loader.h"
#include "core/jobs/diagnose_job.h"
#include "core/jobs/model_source.h"

#include <ATen/ATen.h>
#include <filesystem>
#include <nlohmann/json.hpp>


namespace awb::ui {

DiagnosedPoint diagnosePoint(const DiagnoseRequest& request, JobContext& job)
{
    DiagnoseOptions o;
    o.model = request.model;
    o.method = request.method;
    o.quantDir = request.quantDir;
    o.quant.wBit = request.wBit;
    o.quant.groupSize = request.groupSize;
    o.quant.zeroPoint = request.zeroPoint;
    o.calib = request.calibration;
    o.calibration.nBlocks = request.calibBlocks;
    o.calibration.seqLen = request.calibSeqLen;
    o.calibration.longSamples = request.splitLongSamples ? LongSamples::Split : LongSamples::Drop;
    o.evalText = request.evalText.empty() ? resourcesDir() + "/text/tinystories-valid-sample.txt" : request.evalText;
    o.settings.seqLen = request.evalSeqLen;
    o.settings.maxEvalWindows = request.maxEvalWindows;
    o.layerErrorWindows = std::min<int64_t>(o.layerErrorWindows, request.calibBlocks);
    if (request.quick)
        applyQuickSettings(o.settings);
    const DiagnoseResult r = runDiagnose(o, job);

    DiagnosedPoint out;
    FpData& f = out.fp;
    f.modelPath = r.provenance.fpModel;
    f.modelHash = r.provenance.fpModelHash;
    f.dtype = r.provenance.fpDtype;
    f.entropyBlockSize = r.reference.settings.entropyBlock;
    for (const ProbeCase& c : r.reference.probes.cases)
        f.caseNames.push_back(truncatedUtf8(c.question, 22));
    f.fp = seriesOf(r.reference.fp);
    f.runNames = lambdaRunNames(r.reference.settings.seeds, f.fp.lambdaRuns.empty() ? 0 : f.fp.lambdaRuns[0].size());

    DriftPointData& p = out.point;
    p.method = request.method;
    p.wBit = request.wBit;
    p.groupSize = request.groupSize;
    p.zeroPoint = request.zeroPoint;
    p.label = r.provenance.quantLabel + " " + request.method;
    if (!request.quantDir.empty()) {
        // An imported checkpoint: its own quantization_config says what it is.
        const nlohmann::json q = nlohmann::json::parse(r.provenance.quantLabel, nullptr, false);
        if (q.is_object()) {
            p.wBit = q.value("bits", q.value("w_bit", 4));
            p.groupSize = q.value("group_size", q.value("q_group_size", int64_t(128)));
            p.zeroPoint = q.value("zero_point", true);
        }
        o.quant = QuantConfig{p.wBit, p.groupSize, p.zeroPoint};
        p.method = "import";
        p.importedFrom = request.quantDir;
        p.label = "import " + std::filesystem::path(request.quantDir).filename().string();
    }
    // Core's count (padded groups of rows a group size does not divide), so a point shows the same
    // bits per weight here as in a sweep store. Only the config is needed; loading maps the file.
    ModelSource fpSource;
    fpSource.path = request.model;
    p.bitsPerWeight = awb::bitsPerWeight(fpSource.load(false).config, o.quant);
    const DriftSummary& s = r.drift.summary;
    p.pplF = s.pplF;
    p.pplQ = s.pplQ;
    p.deltaPplPercent = s.deltaPplPercent;
    p.klMean = s.klMean;
    p.klP99 = s.klP99;
    p.top1 = s.top1Agreement;
    p.q = seriesOf(r.drift.q);
    addComparison(p, r.drift);
    setLayerError(p, r.layerError);
    const DiagnoseProvenance& v = r.provenance;
    p.provenance = {{"tool version", v.toolVersion}, {"created (UTC)", v.created},   {"FP model", v.fpModel},
                    {"FP model hash", v.fpModelHash}, {"FP dtype", v.fpDtype},       {"Q source", v.qSource},
                    {"method", v.method},             {"quantization", v.quantLabel}, {"calibration", v.calibration},
                    {"eval text", v.evalText},        {"eval text hash", v.evalTextHash}, {"probe set", v.probes},
                    {"probe set hash", v.probesHash}};
    p.warnings = r.warnings;
    p.seconds = r.totalSeconds;
    return out;
}

} // namespace awb::ui
