// Bridge from core's diagnose job (libtorch tensors) to the plain DriftPointData the views read.
#include "ui/drift_point.h"

#include "core/awqformat/bits_per_weight.h"
#include "core/eval/lambda.h"
#include "core/io/model_loader.h"
#include "core/jobs/diagnose_job.h"
#include "core/jobs/model_source.h"

#include <ATen/ATen.h>

#include <cmath>

namespace awb::ui {

namespace {
ModelSeriesData seriesOf(const ModelSeries& s)
{
    ModelSeriesData d;
    d.ppl = s.ppl;
    d.entropyBlocks = s.entropyBlocks;
    d.onsetBlock = s.onsetBlock;
    for (const CaseRetrieval& c : s.cases) {
        d.anchorDeltaS.push_back(c.deltaSRAnchor);
        d.nearestDistractor.push_back(c.minAdjacent);
    }
    if (!s.lambda.labels.empty()) { // variant 0: the base prompts
        for (const auto& runs : s.lambda.labels[0]) {
            std::vector<int> row;
            for (LambdaLabel l : runs)
                row.push_back(static_cast<int>(l));
            d.lambdaRuns.push_back(row);
        }
    }
    if (!s.lambda.caseLabels.empty())
        for (LambdaLabel l : s.lambda.caseLabels[0])
            d.lambdaCases.push_back(static_cast<int>(l));
    return d;
}

std::string shortened(const std::string& text, size_t maxChars)
{
    if (text.size() <= maxChars)
        return text;
    size_t cut = maxChars;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut; // never split a UTF-8 sequence
    return text.substr(0, cut) + "…";
}
} // namespace

DiagnosedPoint diagnosePoint(const DiagnoseRequest& request, JobContext& job)
{
    DiagnoseOptions o;
    o.model = request.model;
    o.method = request.method;
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
    if (request.quick) {
        // A workbench preview: the same metrics on fewer tokens. Long enough for an onset (blocks
        // >= 4 x 16 tokens) and for λ's trajectory (checkpoints every 16 tokens).
        o.settings.freeTokens = 128;
        o.settings.repetitionWindow = 64;
        o.settings.lambdaTokens = 64;
        o.settings.seeds = {1};
        o.settings.lambdaFlips = false;
    }
    const DiagnoseResult r = runDiagnose(o, job);

    DiagnosedPoint out;
    FpData& f = out.fp;
    f.modelPath = r.provenance.fpModel;
    f.modelHash = r.provenance.fpModelHash;
    f.dtype = r.provenance.fpDtype;
    f.entropyBlockSize = r.reference.settings.entropyBlock;
    for (const ProbeCase& c : r.reference.probes.cases)
        f.caseNames.push_back(shortened(c.question, 22));
    const size_t seeds = r.reference.settings.seeds.size();
    const size_t runs = r.reference.fp.lambda.labels.empty() || r.reference.fp.lambda.labels[0].empty()
                            ? 0
                            : r.reference.fp.lambda.labels[0][0].size();
    for (size_t i = 0; i < runs; ++i)
        f.runNames.push_back("p" + std::to_string(i / std::max<size_t>(seeds, 1) + 1) + " s" +
                             std::to_string(r.reference.settings.seeds[i % std::max<size_t>(seeds, 1)]));
    f.fp = seriesOf(r.reference.fp);

    DriftPointData& p = out.point;
    p.method = request.method;
    p.wBit = request.wBit;
    p.groupSize = request.groupSize;
    p.zeroPoint = request.zeroPoint;
    p.label = r.provenance.quantLabel + " " + request.method;
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
    for (const Gate& g : r.drift.gates)
        p.gates.push_back({g.name, g.comparison, g.value, g.threshold, g.pass, g.fpValue, g.fpPass});
    for (const DiagnosisRow& d : r.drift.diagnosis)
        p.diagnosis.push_back({d.symptom, d.cause, d.nextStep, d.gates});
    p.linears = r.layerError.linears;
    if (r.layerError.relError.defined() && r.layerError.relError.dim() == 2) {
        const at::Tensor e = r.layerError.relError.to(at::kDouble).contiguous();
        p.layers = e.size(0);
        p.layerError.assign(e.data_ptr<double>(), e.data_ptr<double>() + e.numel());
    }
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
