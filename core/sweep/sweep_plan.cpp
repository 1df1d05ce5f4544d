#include "core/sweep/sweep_plan.h"

#include "core/base/error.h"
#include "core/base/file_hash.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

namespace awb {

namespace {
template <typename T>
void requireDistinct(const std::vector<T>& values, const std::string& option)
{
    if (values.empty())
        throw ArgumentError(option + " needs at least one value");
    if (std::set<T>(values.begin(), values.end()).size() != values.size())
        throw ArgumentError(option + " lists a value twice");
}

// "wikitext2" stays itself; a file is named by its stem ("data/calib.jsonl" -> "calib").
std::string sourceLabel(const std::string& source)
{
    const std::string resolved = resolveCalibrationSource(source);
    if (resolved != source || source == "self")
        return source;
    return std::filesystem::path(source).stem().string();
}

std::string setLabel(const std::string& set)
{
    std::string label;
    for (const auto& s : calibrationSetSources(set))
        label += (label.empty() ? "" : "+") + sourceLabel(s);
    return label;
}

std::string pointKey(const SweepPoint& p)
{
    std::string key = p.method + "-w" + std::to_string(p.quant.wBit) + "-g" +
                      (p.quant.groupSize > 0 ? std::to_string(p.quant.groupSize) : std::string("row")) +
                      (p.quant.zeroPoint ? "-zp" : "-sym");
    if (!p.calibration.empty())
        key += "-" + setLabel(p.calibration);
    return key;
}

nlohmann::json calibrationIdentity(const std::string& set, const CalibrationOptions& o)
{
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& s : calibrationSetSources(set))
        sources.push_back(s == "self" ? "self:seed" + std::to_string(o.seed) : hashPath(resolveCalibrationSource(s)));
    return sources;
}
} // namespace

std::vector<std::string> calibrationSetSources(const std::string& set)
{
    std::vector<std::string> out;
    std::stringstream ss(set);
    for (std::string item; std::getline(ss, item, '+');)
        if (!item.empty())
            out.push_back(item);
    if (out.empty())
        throw ArgumentError("--calib: empty calibration set \"" + set + "\"");
    return out;
}

SweepPlan makeSweepPlan(const SweepGrid& g, const std::string& modelHash, const std::string& evalHash, const std::string& probesHash)
{
    requireDistinct(g.wBits, "--w-bit");
    requireDistinct(g.groupSizes, "--group-size");
    requireDistinct(std::vector<int>(g.zeroPoints.begin(), g.zeroPoints.end()), "--zero-point");
    requireDistinct(g.methods, "--method");
    for (const auto& m : g.methods)
        if (m != "awq" && m != "rtn")
            throw ArgumentError("--method must be awq or rtn, got " + m);
    const bool awq = std::count(g.methods.begin(), g.methods.end(), "awq") > 0;
    if (awq)
        requireDistinct(g.calibrations, "--calib (needed by --method awq)");
    else if (!g.calibrations.empty())
        throw ArgumentError("--calib does not apply to an RTN-only sweep");
    if (g.calibration.nBlocks < 1 || g.calibration.seqLen < 2)
        throw ArgumentError("--n-samples must be >= 1 and --seqlen >= 2");
    if (g.layerErrorWindows < 1)
        throw ArgumentError("layer-error windows must be at least 1");
    checkAwqOptions(g.search);

    SweepPlan plan;
    plan.grid = g;
    for (const auto& method : g.methods)
        for (int w : g.wBits)
            for (int64_t group : g.groupSizes)
                for (bool zp : g.zeroPoints) {
                    QuantConfig q{w, group, zp};
                    q.validate();
                    const std::vector<std::string> sets = method == "awq" ? g.calibrations : std::vector<std::string>{""};
                    for (const auto& set : sets) {
                        SweepPoint p;
                        p.index = static_cast<int64_t>(plan.points.size());
                        p.method = method;
                        p.quant = q;
                        p.calibration = set;
                        p.key = pointKey(p);
                        plan.points.push_back(std::move(p));
                    }
                }
    std::set<std::string> keys;
    for (const auto& p : plan.points)
        if (!keys.insert(p.key).second)
            throw ArgumentError("--calib: two calibration sets share the name of point " + p.key + "; rename one file");

    nlohmann::json calib = nlohmann::json::object();
    for (const auto& set : g.calibrations)
        calib[setLabel(set)] = calibrationIdentity(set, g.calibration);
    const auto& s = g.search;
    plan.identity = {
        {"model", modelHash},
        {"eval_text", evalHash},
        {"probe_set", probesHash},
        {"w_bit", g.wBits},
        {"group_size", g.groupSizes},
        {"zero_point", g.zeroPoints},
        {"method", g.methods},
        {"calibration_sets", calib},
        {"calibration", {{"blocks", g.calibration.nBlocks}, {"seqlen", g.calibration.seqLen},
                         {"split_long", g.calibration.longSamples == LongSamples::Split},
                         {"unit", g.calibration.unit == SampleUnit::Paragraph ? "paragraph" : "line"}, {"seed", g.calibration.seed}}},
        {"search", {{"scale_grid", s.scaleGrid}, {"search_scales", s.searchScales}, {"search_clip", s.searchClip},
                    {"clip_grid", s.clipGrid}, {"max_shrink", s.maxShrink}, {"clip_sample_tokens", s.clipSampleTokens},
                    {"clip_query_key", s.clipQueryKey}, {"duo_scaling", s.scaling == AwqScaling::Duo}, {"feed_quantized", s.feed == AwqFeed::Quantized}}},
        {"drift", toJson(g.drift)},
        {"layer_error_windows", g.layerErrorWindows},
    };
    // only for these, so the plans (and stores) of the fixed feeds keep their hash
    if (s.feed == AwqFeed::Auto)
        plan.identity["search"]["feed"] = {{"mode", "auto"}, {"holdout_every", s.autoHoldoutEvery}};
    if (s.feed == AwqFeed::Best)
        plan.identity["search"]["feed"] = {{"mode", "best"}};
    if (s.scaling == AwqScaling::Best)
        plan.identity["search"]["scaling"] = "best";
    if (s.clipQueryKeyByAttention)
        plan.identity["search"]["clip_query_key_by_attention"] = true;
    if (s.scaleScreenEvery > 1)
        plan.identity["search"]["scale_screen"] = {{"every", s.scaleScreenEvery}, {"keep", s.scaleScreenKeep}};
    plan.hash = fnv1a64Hex(plan.identity.dump());
    return plan;
}

std::vector<SweepPoint> shardPoints(const SweepPlan& plan, int k, int n)
{
    if (n < 1 || k < 1 || k > n)
        throw ArgumentError("--shard K/N needs 1 <= K <= N, got " + std::to_string(k) + "/" + std::to_string(n));
    std::vector<SweepPoint> out;
    for (const auto& p : plan.points)
        if (p.index % n == k - 1)
            out.push_back(p);
    return out;
}

} // namespace awb
