// Bridge from a stored sweep (core/store/stored_sweep.h: HDF5, libtorch) to the plain FpData and
// DriftPointData the views read, so a reopened sweep fills every plot and table as a run does.
#include "ui/drift_point.h"
#include "ui/drift_snapshot_core.h"

#include "core/base/utf8.h"

#include "core/store/stored_sweep.h"

#include <set>

namespace awb::ui {

namespace {
std::vector<uint64_t> planSeeds(const nlohmann::json& plan)
{
    std::vector<uint64_t> seeds;
    if (plan.contains("drift") && plan["drift"].contains("seeds") && plan["drift"]["seeds"].is_array())
        for (const auto& s : plan["drift"]["seeds"])
            if (s.is_number_integer())
                seeds.push_back(s.get<uint64_t>());
    return seeds;
}

std::string quantLabel(const SweepRow& r)
{
    return "w" + std::to_string(r.quant.wBit) + " g" + std::to_string(r.quant.groupSize) + (r.quant.zeroPoint ? " zp" : " sym");
}
} // namespace

StoredDrift readStoredDrift(const std::string& storePath)
{
    const StoredSweep s = readStoredSweep(storePath);
    const SweepStoreContents& c = s.contents;
    auto fp = std::make_shared<FpData>();
    fp->modelPath = c.header.fpModel;
    if (c.header.plan.contains("model") && c.header.plan["model"].is_string())
        fp->modelHash = c.header.plan["model"].get<std::string>(); // the plan's identity holds F's content hash
    if (c.header.plan.contains("drift") && c.header.plan["drift"].contains("entropy_block"))
        fp->entropyBlockSize = c.header.plan["drift"]["entropy_block"].get<int64_t>();
    for (const std::string& q : s.questions)
        fp->caseNames.push_back(truncatedUtf8(q, 22));
    fp->fp = seriesOf(s.fp);
    const size_t runs = fp->fp.lambdaRuns.empty() ? 0 : fp->fp.lambdaRuns[0].size();
    fp->runNames = lambdaRunNames(planSeeds(c.header.plan), runs);
    if (fp->caseNames.empty()) // a store written before the questions were stored
        for (size_t i = 0; i < fp->fp.anchorDeltaS.size(); ++i)
            fp->caseNames.push_back("case " + std::to_string(i + 1));

    StoredDrift out;
    out.fp = fp;
    std::set<std::string> calibrations;
    for (const SweepRow& r : c.rows)
        if (r.method == "awq")
            calibrations.insert(r.calibration);
    for (const StoredSweepPoint& sp : s.points) {
        const SweepRow& r = sp.row;
        auto p = std::make_shared<DriftPointData>();
        p->method = r.method;
        p->wBit = r.quant.wBit;
        p->groupSize = r.quant.groupSize;
        p->zeroPoint = r.quant.zeroPoint;
        // The calibration set names the point only when the sweep had more than one.
        p->label = quantLabel(r) + " " + r.method + (r.method == "awq" && calibrations.size() > 1 ? " " + r.calibration : "");
        p->bitsPerWeight = c.value(r, "bits_per_weight");
        p->pplF = c.value(r, "ppl_fp");
        p->pplQ = c.value(r, "ppl_q");
        p->deltaPplPercent = c.value(r, "delta_ppl_percent");
        p->klMean = c.value(r, "kl_mean");
        p->klP99 = c.value(r, "kl_p99");
        p->top1 = c.value(r, "top1_agreement");
        p->q = seriesOf(sp.drift.q);
        addComparison(*p, sp.drift);
        setLayerError(*p, sp.layerError);
        p->provenance = {{"tool version", c.header.toolVersion}, {"created (UTC)", c.header.created},
                         {"FP model", c.header.fpModel},         {"sweep store", storePath},
                         {"point", r.key},                       {"method", r.method},
                         {"quantization", quantLabel(r)},        {"calibration", sp.calibrationSummary},
                         {"eval text", c.header.evalText},       {"probe set", c.header.probeSet},
                         {"plan hash", c.header.planHash}};
        p->warnings = sp.warnings;
        p->storePath = storePath;
        p->storeKey = r.key;
        for (const auto& [stage, seconds] : sp.seconds)
            p->seconds += seconds;
        out.points.push_back(p);
    }
    return out;
}

} // namespace awb::ui
