#include "core/jobs/convert_job.h"

#include "core/base/error.h"
#include "core/io/hf_writer.h"
#include "core/jobs/input_checks.h"

namespace awb {

WrittenFolder runConvertJob(const ConvertJobOptions& o, JobContext& job)
{
    requireWritableFolderTarget(o.outDir, "--out");
    if (o.maxShardBytes < 0)
        throw ArgumentError("--max-shard-mb must not be negative");
    torchDtypeName(o.dtype); // refuses types weights are not written in, before loading
    const Model model = o.model.load(/*requireTokenizer=*/false);
    job.report(0, 1, "convert");
    writeHfFolder(model, o.outDir, {o.dtype, o.maxShardBytes});
    job.report(1, 1, "convert");
    job.log("wrote " + o.outDir);
    return describeFolder(o.outDir);
}

} // namespace awb
