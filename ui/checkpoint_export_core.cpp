// Bridge from the GUI's export request to core's quantize and export jobs (libtorch).
#include "ui/checkpoint_export.h"

#include <nlohmann/json.hpp> // ExportJobResult holds a json by value

#include "core/jobs/export_job.h"
#include "core/jobs/quantize_job.h"
#include "core/jobs/written_folder.h"
#include "core/store/result_store.h"
#include "core/store/sweep_point_awq.h"

#include <cstdio>
#include <filesystem>
#include <unistd.h>

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
    o.outDir = request.outDir;
    if (!request.storePath.empty()) {
        // The point's own search, stored with it: the export is exactly what was measured. The
        // quantize job re-applies results from a results file, so the stored one is copied to a
        // temporary results file first (removed afterwards).
        const std::string results = (std::filesystem::temp_directory_path() /
                                     ("awb-export-" + std::to_string(::getpid()) + "-" + request.pointKey + ".h5")).string();
        saveAwqResult(results, readSweepPointAwq(request.storePath, request.pointKey));
        struct Remove {
            std::string path;
            ~Remove() { std::remove(path.c_str()); }
        } remove{results};
        o.applyResultsPath = results;
        const QuantizeJobResult r = runQuantizeJob(o, job);
        const WrittenFolder folder = describeFolder(r.outDir);
        return {folder.path, folder.files, r.warnings};
    }
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
    const QuantizeJobResult r = runQuantizeJob(o, job);
    const WrittenFolder folder = describeFolder(r.outDir);
    out.outDir = folder.path;
    out.files = folder.files;
    out.warnings = r.warnings;
    return out;
}

} // namespace awb::ui
