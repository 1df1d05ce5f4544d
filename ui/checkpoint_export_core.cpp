// Bridge from the GUI's export request to core's quantize and export jobs (libtorch).
#include "ui/checkpoint_export.h"

#include <nlohmann/json.hpp> // ExportJobResult holds a json by value

#include "core/jobs/export_job.h"
#include "core/jobs/quantize_job.h"
#include "core/jobs/written_folder.h"

namespace awb::ui {

CheckpointResult exportCheckpoint(const CheckpointRequest& request, JobContext& job)
{
    CheckpointResult out;
    if (request.method == "rtn") {
        ExportJobOptions o;
        o.model.path = request.model;
        o.quant.wBit = request.wBit;
        o.quant.groupSize = request.groupSize;
        o.quant.zeroPoint = request.zeroPoint;
        o.outDir = request.outDir;
        const ExportJobResult r = runExportJob(o, job);
        out.outDir = r.folder.path;
        out.files = r.folder.files;
        out.warnings = r.warnings;
        return out;
    }
    QuantizeJobOptions o;
    o.model.path = request.model;
    o.quant.wBit = request.wBit;
    o.quant.groupSize = request.groupSize;
    o.quant.zeroPoint = request.zeroPoint;
    o.method = QuantMethod::Awq;
    o.calibration = request.calibration;
    CalibrationOptions c;
    c.nBlocks = request.calibBlocks;
    c.seqLen = request.calibSeqLen;
    c.longSamples = request.splitLongSamples ? LongSamples::Split : LongSamples::Drop;
    o.calibrationOptions = c;
    o.outDir = request.outDir;
    const QuantizeJobResult r = runQuantizeJob(o, job);
    const WrittenFolder folder = describeFolder(r.outDir);
    out.outDir = folder.path;
    out.files = folder.files;
    out.warnings = r.warnings;
    return out;
}

} // namespace awb::ui
