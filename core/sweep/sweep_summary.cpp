#include "core/sweep/sweep_summary.h"

#include "core/base/error.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace awb {

namespace {
std::string number(double v)
{
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    char s[32];
    std::snprintf(s, sizeof s, "%.17g", v);
    return s;
}

// JSON has no NaN or infinity: null stands for "not measured" and a string for "no onset".
nlohmann::json jsonNumber(double v)
{
    if (std::isnan(v))
        return nullptr;
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    return v;
}

std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\n") == std::string::npos)
        return s;
    std::string q = "\"";
    for (char c : s)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}
} // namespace

std::vector<ParetoEntry> paretoSummary(const SweepStoreContents& c, const std::string& metric)
{
    const auto& cols = c.header.columns;
    if (std::find(cols.begin(), cols.end(), metric) == cols.end())
        throw ArgumentError("--pareto-metric: the store has no column " + metric);
    std::set<double> budgets;
    for (const auto& r : c.rows)
        budgets.insert(c.value(r, "bits_per_weight"));
    std::vector<ParetoEntry> out;
    for (double budget : budgets) {
        const SweepRow* best = nullptr;
        size_t bestIndex = 0;
        for (size_t i = 0; i < c.rows.size(); ++i) {
            const SweepRow& r = c.rows[i];
            const double v = c.value(r, metric);
            if (std::isnan(v) || c.value(r, "bits_per_weight") > budget)
                continue;
            if (!best || v < c.value(*best, metric)) {
                best = &r;
                bestIndex = i;
            }
        }
        if (best)
            out.push_back({budget, bestIndex, c.value(*best, "bits_per_weight") == budget});
    }
    return out;
}

nlohmann::json toJson(const SweepStoreContents& c, const std::vector<ParetoEntry>& pareto, const std::string& metric)
{
    nlohmann::json points = nlohmann::json::array();
    for (const auto& r : c.rows) {
        nlohmann::json p = {{"index", r.index}, {"key", r.key}, {"method", r.method}, {"w_bit", r.quant.wBit},
                            {"group_size", r.quant.groupSize}, {"zero_point", r.quant.zeroPoint}, {"calibration", r.calibration}};
        for (size_t i = 0; i < c.header.columns.size(); ++i)
            p[c.header.columns[i]] = jsonNumber(r.values[i]);
        points.push_back(std::move(p));
    }
    nlohmann::json front = nlohmann::json::array();
    for (const auto& e : pareto) {
        const SweepRow& r = c.rows[e.row];
        front.push_back({{"budget", e.budget}, {"key", r.key}, {"bits_per_weight", jsonNumber(c.value(r, "bits_per_weight"))},
                         {metric, jsonNumber(c.value(r, metric))}, {"at_budget", e.atBudget}});
    }
    return {{"store", c.path},
            {"plan_hash", c.header.planHash},
            {"planned_points", c.header.plannedPoints},
            {"stored_points", c.rows.size()},
            {"points", points},
            {"pareto_metric", metric},
            {"pareto", front}};
}

std::string toCsv(const SweepStoreContents& c, const std::vector<ParetoEntry>& pareto)
{
    std::set<size_t> best;
    for (const auto& e : pareto)
        best.insert(e.row);
    std::string csv = "index,key,method,w_bit,group_size,zero_point,calibration";
    for (const auto& col : c.header.columns)
        csv += "," + col;
    csv += ",pareto\n";
    for (size_t i = 0; i < c.rows.size(); ++i) {
        const SweepRow& r = c.rows[i];
        csv += std::to_string(r.index) + "," + csvField(r.key) + "," + r.method + "," + std::to_string(r.quant.wBit) + "," +
               std::to_string(r.quant.groupSize) + "," + (r.quant.zeroPoint ? "1" : "0") + "," + csvField(r.calibration);
        for (double v : r.values)
            csv += "," + number(v);
        csv += best.count(i) ? ",1\n" : ",0\n";
    }
    return csv;
}

} // namespace awb
