// awb calibration: what a calibration set looks like before anything is quantized — the headless
// twin of the workbench's Calibration view (core/jobs/calibration_job.h).
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/jobs/calibration_job.h"

#include <cstdio>
#include <iostream>

namespace awb::cli {

void addCalibrationCommand(CLI::App& app)
{
    auto* cmd = app.add_subcommand("calibration", "Preview calibration sources: samples and token counts per source, the blocks they "
                                                  "make, and the calibration sanity against a target text");
    auto o = std::make_shared<CalibrationPreviewOptions>();
    auto longSamples = std::make_shared<std::string>("drop");
    auto json = std::make_shared<bool>(false);
    o->calibration.nBlocks = 128;
    cmd->add_option("--model", o->model, "llama2.c file or Hugging Face folder (default: the embedded stories260K)");
    cmd->add_option("--tokenizer", o->tokenizer, "tokenizer.model / tokenizer.json (default: found beside the model)");
    cmd->add_option("--calib", o->sources, "calibration sources, comma-separated: text files, .jsonl, tinystories, wikitext2, self")
        ->delimiter(',')
        ->required();
    cmd->add_option("--n-samples", o->calibration.nBlocks, "calibration blocks")->capture_default_str();
    cmd->add_option("--seqlen", o->calibration.seqLen, "tokens per calibration block")->capture_default_str();
    cmd->add_option("--long-samples", *longSamples, "samples longer than a block: drop (llm-awq) or split into blocks")
        ->check(CLI::IsMember({"drop", "split"}))
        ->capture_default_str();
    cmd->add_option("--seed", o->calibration.seed, "seed of self-generated calibration text")->capture_default_str();
    cmd->add_option("--save-blocks", o->saveBlocks,
                    "write the set's blocks (token ids, BOS included) to this JSON file, e.g. to calibrate another tool on the same data");
    cmd->add_option("--target", o->targetText, "target text for the sanity check (JS divergence, ΔS, short samples)");
    cmd->add_option("--probes", o->probes, "probe set whose centre μ the ΔS uses (default: the bundled one)");
    cmd->add_flag("--json", *json, "print one JSON object as the last line of stdout");
    cmd->callback([o, longSamples, json] {
        o->calibration.longSamples = *longSamples == "split" ? LongSamples::Split : LongSamples::Drop;
        CliJob job;
        const CalibrationPreviewResult r = runCalibrationPreview(*o, job.context());
        job.finish();
        if (*json) {
            nlohmann::json sources = nlohmann::json::array();
            for (const auto& s : r.sources)
                sources.push_back({{"source", s.source}, {"path", s.path}, {"samples", s.samples}, {"tokens", s.tokens},
                                   {"long_samples", s.longSamples}});
            nlohmann::json out = {{"sources", sources},           {"blocks", r.blocks},
                                  {"seqlen", r.seqLen},           {"samples_used", r.samplesUsed},
                                  {"samples_dropped", r.samplesDropped}, {"samples_split", r.samplesSplit},
                                  {"tokens_available", r.tokensAvailable}, {"warnings", r.warnings}};
            if (r.hasSanity)
                out["sanity"] = {{"js_divergence", r.sanity.jsDivergence}, {"delta_s", r.sanity.deltaS},
                                 {"short_share", r.sanity.shortShare}, {"warnings", r.sanity.warnings}};
            return printJson(out);
        }
        std::printf("%-40s %8s %10s %8s\n", "source", "samples", "tokens", "> block");
        for (const auto& s : r.sources)
            std::printf("%-40s %8lld %10lld %8lld\n", s.source.c_str(), (long long)s.samples, (long long)s.tokens, (long long)s.longSamples);
        std::cout << "set        " << r.summary << "\n";
        if (r.hasSanity) {
            const CalibrationSanityThresholds t;
            std::printf("sanity     JS divergence %.3f nats (<= %.2f %s), ΔS %.3f (<= %.2f %s), short samples %.3f (<= %.2f %s)\n",
                        r.sanity.jsDivergence, t.jsDivergence, r.sanity.jsDivergence <= t.jsDivergence ? "✓" : "✗", r.sanity.deltaS,
                        t.deltaS, r.sanity.deltaS <= t.deltaS ? "✓" : "✗", r.sanity.shortShare, t.shortShare,
                        r.sanity.shortShare <= t.shortShare ? "✓" : "✗");
        }
        for (const auto& w : r.warnings)
            std::cout << "warning    " << w << "\n";
    });
}

} // namespace awb::cli
