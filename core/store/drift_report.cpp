#include "core/store/drift_report.h"

#include "core/base/error.h"
#include "core/store/drift_groups.h"
#include "core/store/hdf5_util.h"

#include <ATen/ATen.h>
#include <H5Cpp.h>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

namespace awb {

namespace {
using namespace h5;
constexpr int kVersion = 1;
} // namespace

void writeDriftReport(const std::string& path, const DiagnoseResult& r)
{
    const std::string tmp = path + ".tmp";
    std::string where = "/";
    try {
        H5::Exception::dontPrint();
        {
            H5::H5File file(tmp, H5F_ACC_TRUNC);
            H5::Group root = file.openGroup("/");
            const auto& p = r.provenance;
            const auto& ref = r.reference;
            const auto& d = r.drift;
            writeAttr(root, "format", std::string("awb-drift-report"));
            writeAttr(root, "version", static_cast<double>(kVersion));
            writeAttr(root, "tool_version", p.toolVersion);
            writeAttr(root, "created", p.created);
            writeAttr(root, "fp_model", p.fpModel);
            writeAttr(root, "fp_model_hash", p.fpModelHash);
            writeAttr(root, "fp_dtype", p.fpDtype);
            writeAttr(root, "q_source", p.qSource);
            writeAttr(root, "q_model_hash", p.qModelHash);
            writeAttr(root, "method", p.method);
            writeAttr(root, "quant", p.quantLabel);
            writeAttr(root, "calibration", p.calibration);
            writeAttr(root, "calib_sources", nlohmann::json(p.calibSources).dump());
            writeAttr(root, "eval_text", p.evalText);
            writeAttr(root, "eval_text_hash", p.evalTextHash);
            writeAttr(root, "probe_set", p.probes);
            writeAttr(root, "probe_set_hash", p.probesHash);
            writeAttr(root, "total_seconds", r.totalSeconds);
            writeAttr(root, "settings", toJson(ref.settings).dump());

            const DriftSummary& m = d.summary;
            where = "/summary";
            Table summary{{"metric"}, {"value"}, {{}}, {{}}};
            for (const auto& [name, value] : namedFigures(m)) {
                summary.strings[0].push_back(name);
                summary.doubles[0].push_back(value);
            }
            writeTable(root, "summary", summary);

            where = "/gates";
            writeGatesAndDiagnosis(root, d);
            where = "/timings";
            writeTimings(root, "timings", r.seconds);
            writeStrings(root, "warnings", r.warnings);

            where = "/probe_set";
            H5::Group ps = root.createGroup("probe_set");
            std::vector<std::string> ids, titles, questions;
            std::vector<int64_t> targets;
            for (const auto& s : ref.probes.sections) {
                ids.push_back(s.id);
                titles.push_back(s.title);
            }
            for (const auto& c : ref.probes.cases) {
                questions.push_back(c.question);
                targets.push_back(c.targetIndex);
            }
            writeAttr(ps, "name", ref.probes.name);
            writeStrings(ps, "section_ids", ids);
            writeStrings(ps, "section_titles", titles);
            writeStrings(ps, "questions", questions);
            writeTensor(ps, "case_targets", at::tensor(targets, at::kLong));
            where = "/corpus";
            H5::Group corpus = root.createGroup("corpus");
            auto ranges = [](const std::vector<TokenRange>& v) {
                std::vector<int64_t> flat;
                for (const auto& t : v)
                    flat.insert(flat.end(), {t.begin, t.end});
                return at::tensor(flat, at::kLong).view({static_cast<int64_t>(v.size()), 2});
            };
            writeTensor(corpus, "section_ranges", ranges(ref.corpus.sections));
            writeTensor(corpus, "chunk_ranges", ranges(ref.corpus.chunks));
            where = "/cases";
            H5::Group cases = root.createGroup("cases");
            writeDoubles(cases, "drift", d.caseDrift);
            writeTensor(cases, "lambda_lost", flagTensor(d.lambdaLost));

            where = "/fp";
            writeModelSeries(root.createGroup("fp"), ref.fp, ref, where);
            H5::Group fpEmb = file.openGroup("/fp/embeddings");
            writeTensor(fpEmb, "mu", ref.mu);
            where = "/q";
            H5::Group q = root.createGroup("q");
            writeModelSeries(q, d.q, ref, where);
            where = "/q/logit_drift";
            writeLogitDrift(q.createGroup("logit_drift"), d);
            where = "/q/layer_error";
            writeLayerError(q.createGroup("layer_error"), r.layerError);
            if (r.hasCalibrationSanity) {
                where = "/calibration_sanity";
                H5::Group cs = root.createGroup("calibration_sanity");
                const auto& c = r.calibrationSanity;
                writeAttr(cs, "js_divergence", c.jsDivergence);
                writeAttr(cs, "delta_s", c.deltaS);
                writeAttr(cs, "short_share", c.shortShare);
                writeAttr(cs, "samples", static_cast<double>(c.samples));
                writeAttr(cs, "short_samples", static_cast<double>(c.shortSamples));
                writeAttr(cs, "block_length", static_cast<double>(c.blockLength));
            }
            file.flush(H5F_SCOPE_GLOBAL);
        }
        if (std::rename(tmp.c_str(), path.c_str()) != 0)
            throw IoError(path + ": rename failed");
    } catch (const H5::Exception& e) {
        std::remove(tmp.c_str());
        throw IoError(path + ": cannot write HDF5 at " + where + ": " + e.getDetailMsg());
    } catch (...) {
        std::remove(tmp.c_str());
        throw;
    }
}

} // namespace awb
