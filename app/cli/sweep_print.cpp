#include "app/cli/sweep_print.h"

#include "app/cli/cli_common.h"
#include "core/base/atomic_file.h"
#include "core/sweep/sweep_summary.h"

#include <cmath>
#include <cstdio>

namespace awb::cli {

namespace {
// Columns of the printed table (the CSV and JSON have them all).
struct Shown {
    const char* column;
    const char* header;
    const char* format;
};
constexpr Shown kShown[] = {{"bits_per_weight", "bits/w", "%7.3f"},   {"ppl_q", "ppl Q", "%9.4f"},
                            {"delta_ppl_percent", "Δppl%", "%7.2f"},  {"kl_mean", "KL mean", "%8.5f"},
                            {"top1_agreement", "top-1", "%6.3f"},     {"layer_error_mean", "layer err", "%9.4f"},
                            {"gates_passed", "gates", "%3.0f"},       {"wall_seconds", "s", "%6.1f"}};

void printCell(const char* format, double v)
{
    char s[32] = "-";
    if (!std::isnan(v))
        std::snprintf(s, sizeof s, format, v);
    std::printf(" %9s", s);
}
} // namespace

void addSweepOutputOptions(CLI::App* cmd, SweepOutput& output)
{
    cmd->add_option("--csv", output.csvPath, "write every point (settings, metrics, Pareto flag) to this CSV file");
    cmd->add_option("--pareto-metric", output.paretoMetric, "the drift the Pareto summary minimises (a column of the store)")
        ->capture_default_str();
    cmd->add_flag("--json", output.json, "print one JSON object as the last line of stdout");
}

void printSweepStore(const SweepStoreContents& c, const SweepOutput& output, const nlohmann::json& extra)
{
    const auto pareto = paretoSummary(c, output.paretoMetric);
    std::printf("%s: %zu of %lld planned points\n", c.path.c_str(), c.rows.size(), static_cast<long long>(c.header.plannedPoints));
    std::printf("%-36s", "point");
    for (const auto& s : kShown)
        std::printf(" %9s", s.header);
    std::printf("\n");
    for (const auto& r : c.rows) {
        std::printf("%-36s", r.key.c_str());
        for (const auto& s : kShown)
            printCell(s.format, c.value(r, s.column));
        std::printf("\n");
    }
    std::printf("\nPareto summary (least %s within each bits-per-weight budget):\n", output.paretoMetric.c_str());
    for (const auto& e : pareto) {
        const SweepRow& r = c.rows[e.row];
        std::printf("  <= %6.3f bits/w: %-36s %s %.6g%s\n", e.budget, r.key.c_str(), output.paretoMetric.c_str(),
                    c.value(r, output.paretoMetric), e.atBudget ? "" : "  (a cheaper point)");
    }
    if (!output.csvPath.empty()) {
        writeFileAtomic(output.csvPath, toCsv(c, pareto));
        logLine("points written to " + output.csvPath);
    }
    if (output.json) {
        nlohmann::json j = toJson(c, pareto, output.paretoMetric);
        j.update(extra);
        printJson(j);
    }
}

} // namespace awb::cli
