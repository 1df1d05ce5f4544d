#include "core/store/stored_sweep.h"

#include "core/store/awq_result_group.h"
#include "core/store/drift_groups.h"
#include "core/store/hdf5_util.h"
#include "core/store/hdf5_vetting.h"

namespace awb {

using namespace h5;

namespace {
StoredSweepPoint readPoint(const H5::H5File& file, const SweepRow& row, const std::string& path, std::string& where)
{
    StoredSweepPoint p;
    p.row = row;
    where = "/point/" + row.key;
    const H5::Group g = file.openGroup(where);
    p.calibrationSummary = readStringAttr(g, "calibration_summary");
    where += "/q";
    p.drift.q = readModelSeries(g.openGroup("q"));
    where = "/point/" + row.key + "/logit_drift";
    readLogitDrift(g.openGroup("logit_drift"), p.drift);
    where = "/point/" + row.key + "/layer_error";
    p.layerError = readLayerError(g.openGroup("layer_error"));
    where = "/point/" + row.key + "/gates";
    readGatesAndDiagnosis(g, p.drift);
    where = "/point/" + row.key + "/timings";
    const Table t = readTable(g, "timings", {"stage"}, {"seconds"});
    for (size_t i = 0; i < t.strings[0].size(); ++i)
        p.seconds.emplace_back(t.strings[0][i], t.doubles[0][i]);
    p.warnings = readStrings(g, "warnings");
    if (g.nameExists("cases")) {
        where = "/point/" + row.key + "/cases";
        const H5::Group c = g.openGroup("cases");
        p.drift.caseDrift = readDoubles(c, "drift");
        for (double lost : readDoubles(c, "lambda_lost"))
            p.drift.lambdaLost.push_back(lost != 0);
    }
    if (g.nameExists("awq")) {
        where = "/point/" + row.key + "/awq";
        p.awq = readAwqResultGroup(g.openGroup("awq"), path, where);
    }
    return p;
}

StoredSweep readStoredSweepFile(const std::string& path)
{
    StoredSweep s;
    s.contents = readSweepStore(path); // validates format, version and the points table
    std::string where = "/fp";
    guardedHdf5(path, "read the sweep store", where, [&] {
        H5::H5File file(path, H5F_ACC_RDONLY);
        s.fp = readModelSeries(file.openGroup("/fp"));
        if (file.nameExists("/probe_set")) {
            where = "/probe_set/questions";
            s.questions = readStrings(file.openGroup("/probe_set"), "questions");
        }
        for (const SweepRow& row : s.contents.rows)
            s.points.push_back(readPoint(file, row, path, where));
        return 0;
    });
    for (const StoredSweepPoint& p : s.points)
        if (!s.questions.empty() && p.drift.q.cases.size() != s.questions.size())
            throw FormatError(path, "/point/" + p.row.key + "/q/cases",
                              std::to_string(p.drift.q.cases.size()) + " cases, the probe set " + std::to_string(s.questions.size()));
    return s;
}
} // namespace

StoredSweep readStoredSweep(const std::string& path)
{
    return readVetted(path, [&] { return readStoredSweepFile(path); });
}

} // namespace awb
