// Bridge from core's calibration preview job (libtorch) to the plain CalibrationPreviewData the
// Calibration view reads.
#include "ui/calibration_data.h"

#include "core/io/model_loader.h"
#include "core/jobs/calibration_job.h"

namespace awb::ui {

std::vector<std::string> CalibrationChoices::checked() const
{
    std::vector<std::string> out;
    for (const CalibrationSourceChoice& s : sources)
        if (s.checked)
            out.push_back(s.source);
    return out;
}

std::string defaultTargetText() { return resourcesDir() + "/text/tinystories-valid-sample.txt"; }

CalibrationPreviewData previewCalibration(const std::string& model, const CalibrationChoices& choices, JobContext& job, bool withSanity)
{
    CalibrationPreviewOptions o;
    o.model = model;
    o.sources = choices.checked();
    o.calibration.nBlocks = choices.blocks;
    o.calibration.seqLen = choices.seqLen;
    o.calibration.longSamples = choices.splitLongSamples ? LongSamples::Split : LongSamples::Drop;
    if (withSanity)
        o.targetText = choices.targetText.empty() ? defaultTargetText() : choices.targetText;
    const CalibrationPreviewResult r = runCalibrationPreview(o, job);

    CalibrationPreviewData d;
    for (const CalibrationSourcePreview& s : r.sources)
        d.sources.push_back({s.source, s.path, s.samples, s.tokens, s.longSamples, s.sampleTokens, s.preview});
    d.blocks = r.blocks;
    d.seqLen = r.seqLen;
    d.samplesUsed = r.samplesUsed;
    d.samplesDropped = r.samplesDropped;
    d.samplesSplit = r.samplesSplit;
    d.tokensAvailable = r.tokensAvailable;
    d.summary = r.summary;
    d.targetText = o.targetText;
    d.hasSanity = r.hasSanity;
    const CalibrationSanityThresholds thresholds;
    d.sanity = {r.sanity.jsDivergence, r.sanity.deltaS, r.sanity.shortShare,
                thresholds.jsDivergence, thresholds.deltaS, thresholds.shortShare,
                r.sanity.samples, r.sanity.shortSamples, r.sanity.blockLength, r.sanity.warnings};
    d.warnings = r.warnings;
    d.seconds = r.seconds;
    return d;
}

} // namespace awb::ui
