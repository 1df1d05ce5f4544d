#include "core/jobs/calibration_job.h"

#include "core/base/atomic_file.h"
#include "core/base/error.h"
#include "core/base/utf8.h"
#include "core/eval/embedding.h"
#include "core/eval/probe_set.h"
#include "core/io/model_loader.h"
#include "core/tokenizer/text_source.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>

namespace awb {

namespace {
// ΔS needs the centre μ of METRICS.md §3: the mean pooled F state over the probe set's texts, the
// same μ the diagnose job uses, so the figure here matches the one a diagnose run reports.
at::Tensor probeCentre(const Model& fp, const std::string& probesPath, JobContext& job)
{
    const ProbeSet probes = loadProbeSet(probesPath.empty() ? resourcesDir() + "/probes/stories260K-probes.json" : probesPath);
    std::vector<std::vector<int64_t>> texts;
    for (const ProbeSection& s : probes.sections)
        texts.push_back(fp.tokenizer->encode(s.text, false));
    for (const ProbeCase& c : probes.cases) {
        texts.push_back(fp.tokenizer->encode(c.question, false));
        for (const std::string& p : c.paraphrases)
            texts.push_back(fp.tokenizer->encode(p, false));
    }
    return pooledHidden(fp, texts, &job).mean(0);
}
} // namespace

CalibrationPreviewResult runCalibrationPreview(const CalibrationPreviewOptions& o, JobContext& job)
{
    const auto start = std::chrono::steady_clock::now();
    if (o.sources.empty())
        throw ArgumentError("no calibration source chosen (check at least one set)");
    if (!o.saveBlocks.empty() && !std::filesystem::is_directory(std::filesystem::absolute(o.saveBlocks).parent_path()))
        throw IoError(o.saveBlocks + ": folder does not exist (--save-blocks)");
    if (!o.targetText.empty() && !std::filesystem::is_regular_file(o.targetText))
        throw IoError(o.targetText + ": target text not found (calibration sanity)");
    LoadOptions load;
    load.tokenizerPath = o.tokenizer;
    const Model fp = loadModel(o.model.empty() ? defaultModelPath() : o.model, load);
    if (!fp.tokenizer)
        throw ArgumentError((o.model.empty() ? defaultModelPath() : o.model) + ": calibration text needs a tokenizer");

    CalibrationPreviewResult r;
    const int64_t steps = int64_t(o.sources.size()) + 1 + (o.targetText.empty() ? 0 : 1);
    int64_t step = 0;
    std::vector<std::vector<int64_t>> sanitySamples; // every sample of the text sources, BOS included
    // Counts one sample of n tokens; true while the source's preview still wants the sample's text.
    auto countSample = [&](CalibrationSourcePreview& s, int64_t n) {
        ++s.samples;
        s.sampleTokens.push_back(n);
        s.tokens += n;
        s.longSamples += n > o.calibration.seqLen ? 1 : 0;
        return int64_t(s.preview.size()) < o.previewSamples;
    };
    for (const std::string& source : o.sources) {
        job.report(step++, steps, "read " + source);
        CalibrationSourcePreview s;
        s.source = source;
        if (source == "self") {
            r.sources.push_back(s); // sampled from F when the set is built; filled in below
            continue;
        }
        s.path = resolveCalibrationSource(source);
        if (isSavedBlocksFile(s.path)) { // token ids already: counted and shown as saved
            for (const auto& ids : readSavedBlocks(s.path, fp.config.vocabSize))
                if (countSample(s, int64_t(ids.size())))
                    s.preview.push_back(truncatedUtf8(fp.tokenizer->decode(ids), size_t(o.previewChars)));
        } else {
            const std::vector<std::string> samples = readCalibrationSamples(s.path, o.calibration.unit);
            for (size_t i = 0; i < samples.size(); ++i) {
                if (i % 256 == 0)
                    job.checkCancelled();
                std::vector<int64_t> ids = fp.tokenizer->encode(samples[i], true);
                if (countSample(s, int64_t(ids.size())))
                    s.preview.push_back(truncatedUtf8(samples[i], size_t(o.previewChars)));
                sanitySamples.push_back(std::move(ids));
            }
        }
        r.sources.push_back(std::move(s));
    }

    job.report(step++, steps, "build calibration set");
    const CalibrationSet set = buildCalibrationSet(fp, o.sources, o.calibration, &job);
    r.blocks = set.blocks.size(0);
    r.seqLen = set.blocks.size(1);
    r.samplesUsed = set.samplesUsed;
    r.samplesDropped = set.samplesDropped;
    r.samplesSplit = set.samplesSplit;
    r.tokensAvailable = set.tokensAvailable;
    r.summary = set.summary();
    // "self" has no file to preview: show what F wrote, block by block, as the set holds it.
    for (CalibrationSourcePreview& s : r.sources) {
        if (s.source != "self")
            continue;
        const at::Tensor blocks = set.blocks.contiguous();
        for (int64_t b = 0; b < r.blocks && int64_t(s.preview.size()) < o.previewSamples; ++b) {
            const int64_t* row = blocks[b].data_ptr<int64_t>();
            s.preview.push_back(truncatedUtf8(fp.tokenizer->decode(std::vector<int64_t>(row, row + r.seqLen)), size_t(o.previewChars)));
        }
        s.samples = r.blocks;
        s.tokens = r.blocks * r.seqLen;
        s.sampleTokens.assign(size_t(r.blocks), r.seqLen);
    }

    if (!o.saveBlocks.empty()) {
        const at::Tensor blocks = set.blocks.contiguous();
        nlohmann::json rows = nlohmann::json::array();
        for (int64_t b = 0; b < r.blocks; ++b)
            rows.push_back(std::vector<int64_t>(blocks[b].data_ptr<int64_t>(), blocks[b].data_ptr<int64_t>() + r.seqLen));
        writeFileAtomic(o.saveBlocks, nlohmann::json{{"seqlen", r.seqLen}, {"sources", set.sources}, {"blocks", rows}}.dump() + "\n");
    }

    if (!o.targetText.empty()) {
        job.report(step++, steps, "calibration sanity");
        if (sanitySamples.empty()) {
            job.warn("calibration sanity skipped: only self-generated text, which is F's own distribution");
        } else {
            const std::vector<int64_t> target = encodeEvalText(*fp.tokenizer, o.targetText);
            const at::Tensor mu = probeCentre(fp, o.probes, job);
            r.sanity = checkCalibration(fp, sanitySamples, target, o.calibration.seqLen, mu, {}, &job);
            r.hasSanity = true;
        }
    }
    job.report(steps, steps, "done");
    r.warnings = job.warnings();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

} // namespace awb
