#include "core/quant/calibration.h"

#include "core/base/error.h"
#include "core/base/json_file.h"
#include "core/base/process_memory.h"
#include "core/model/generation.h"
#include "core/io/model_loader.h"
#include "core/tokenizer/text_source.h"

#include <ATen/ATen.h>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace awb {

std::string CalibrationSet::summary() const
{
    std::string s;
    for (const auto& src : sources)
        s += (s.empty() ? "" : ",") + fs::path(src).filename().string();
    return s + ": " + std::to_string(blocks.size(0)) + " blocks of " + std::to_string(blocks.size(1)) + " tokens from " +
           std::to_string(samplesUsed) + " samples (" + std::to_string(samplesDropped) + " dropped as longer than a block, " +
           std::to_string(samplesSplit) + " split)";
}

std::string resolveCalibrationSource(const std::string& source)
{
    static const std::map<std::string, std::string> bundled = {
        {"wikitext2", "/text/wikitext2-calib-lines1-2000.txt"}, {"tinystories", "/text/tinystories-valid-sample.txt"}};
    auto it = bundled.find(source);
    return it == bundled.end() ? source : resourcesDir() + it->second;
}

std::vector<std::string> readCalibrationSamples(const std::string& path, SampleUnit unit)
{
    const auto lines = readTextLines(path);
    std::vector<std::string> samples;
    if (fs::path(path).extension() == ".jsonl") {
        for (size_t i = 0; i < lines.size(); ++i) {
            if (strip(lines[i]).empty())
                continue;
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(lines[i]);
            } catch (const nlohmann::json::exception& e) {
                throw FormatError(path, "line " + std::to_string(i + 1), std::string("invalid JSON: ") + e.what());
            }
            if (!j.is_object() || !j.contains("text") || !j["text"].is_string())
                throw FormatError(path, "line " + std::to_string(i + 1), "needs a string field \"text\"");
            samples.push_back(strip(j["text"].get<std::string>()));
        }
    } else if (unit == SampleUnit::Paragraph) {
        std::string paragraph;
        for (const auto& line : lines) {
            if (strip(line).empty()) {
                if (!paragraph.empty())
                    samples.push_back(paragraph);
                paragraph.clear();
            } else {
                paragraph += (paragraph.empty() ? "" : " ") + strip(line);
            }
        }
        if (!paragraph.empty())
            samples.push_back(paragraph);
    } else {
        for (const auto& line : lines)
            samples.push_back(strip(line));
    }
    // an empty line is not a sample (llm-awq would feed it as a lone BOS token)
    samples.erase(std::remove_if(samples.begin(), samples.end(), [](const std::string& s) { return s.empty(); }), samples.end());
    return samples;
}

bool isSavedBlocksFile(const std::string& source) { return fs::path(source).extension() == ".json"; }

std::vector<std::vector<int64_t>> readSavedBlocks(const std::string& path, int64_t vocabSize)
{
    const nlohmann::json j = readJsonFile(path);
    if (!j.is_object() || !j.contains("seqlen") || !j["seqlen"].is_number_integer() || !j.contains("blocks") || !j["blocks"].is_array())
        throw FormatError(path, "", "not a saved calibration set (needs integer \"seqlen\" and array \"blocks\", as awb calibration --save-blocks writes)");
    const int64_t seqLen = j["seqlen"].get<int64_t>();
    if (seqLen < 2)
        throw FormatError(path, "seqlen", "must be at least 2, got " + std::to_string(seqLen));
    if (j["blocks"].empty())
        throw FormatError(path, "blocks", "has no blocks");
    std::vector<std::vector<int64_t>> rows;
    for (size_t b = 0; b < j["blocks"].size(); ++b) {
        const nlohmann::json& row = j["blocks"][b];
        const std::string field = "blocks[" + std::to_string(b) + "]";
        if (!row.is_array() || static_cast<int64_t>(row.size()) != seqLen)
            throw FormatError(path, field, "must be an array of seqlen = " + std::to_string(seqLen) + " token ids");
        std::vector<int64_t> ids;
        for (const nlohmann::json& id : row) {
            if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= vocabSize)
                throw FormatError(path, field, "holds " + id.dump() + ", not a token id of this model (vocabulary " + std::to_string(vocabSize) + ")");
            ids.push_back(id.get<int64_t>());
        }
        rows.push_back(std::move(ids));
    }
    return rows;
}

namespace {
// Token samples (each starting with BOS) sampled from the FP model itself, seeded.
std::vector<std::vector<int64_t>> selfGeneratedSamples(const Model& model, const CalibrationOptions& o, JobContext* job)
{
    std::vector<std::vector<int64_t>> samples;
    int64_t tokens = 0;
    GenerateOptions g;
    g.maxTokens = o.seqLen - 1;
    g.temperature = 1.0;
    for (uint64_t i = 0; tokens < o.nBlocks * o.seqLen; ++i) {
        g.seed = o.seed + i;
        GenerateResult r = generate(model, g);
        tokens += static_cast<int64_t>(r.tokens.size());
        samples.push_back(std::move(r.tokens));
        if (job)
            job->report(std::min(tokens, o.nBlocks * o.seqLen), o.nBlocks * o.seqLen, "self-generate calibration text");
    }
    return samples;
}
} // namespace

CalibrationSet buildCalibrationSet(const Model& model, const std::vector<std::string>& sources, const CalibrationOptions& o,
                                   JobContext* job)
{
    if (o.seqLen < 2 || o.seqLen > model.config.maxSeqLen)
        throw ArgumentError("--seqlen " + std::to_string(o.seqLen) + " must be in 2.." + std::to_string(model.config.maxSeqLen));
    if (o.nBlocks < 1)
        throw ArgumentError("--n-samples must be at least 1");
    // The search keeps every block's MLP input activations of one layer, fp32: a lower bound of its
    // memory, so a request above the machine's memory is refused now rather than swapped or killed
    // an hour in (and n x seqlen cannot overflow below).
    const double activationBytes = static_cast<double>(o.nBlocks) * static_cast<double>(o.seqLen) *
                                   static_cast<double>(std::max(model.config.dim, model.config.hiddenDim)) * 4.0;
    if (const double memory = physicalMemoryBytes(); memory > 0 && activationBytes > memory)
        throw ArgumentError("--n-samples " + std::to_string(o.nBlocks) + " x --seqlen " + std::to_string(o.seqLen) + " needs " +
                            std::to_string(static_cast<int64_t>(activationBytes / (1 << 30))) + " GiB of activations per layer, more than this machine's " +
                            std::to_string(static_cast<int64_t>(memory / (1 << 30))) + " GiB");
    if (sources.empty())
        throw ArgumentError("no calibration source given (--calib)");
    CalibrationSet set;
    std::vector<int64_t> stream;
    const int64_t wanted = o.nBlocks * o.seqLen;
    auto addSample = [&](std::vector<int64_t> ids) {
        if (static_cast<int64_t>(ids.size()) > o.seqLen) {
            if (o.longSamples == LongSamples::Drop) {
                ++set.samplesDropped;
                return;
            }
            ++set.samplesSplit;
        }
        ++set.samplesUsed;
        stream.insert(stream.end(), ids.begin(), ids.end());
    };
    for (const auto& source : sources) {
        if (static_cast<int64_t>(stream.size()) >= wanted)
            break;
        if (source == "self") {
            set.sources.push_back("self-generated (seed " + std::to_string(o.seed) + ")");
            for (auto& s : selfGeneratedSamples(model, o, job))
                addSample(std::move(s));
            continue;
        }
        const std::string path = resolveCalibrationSource(source);
        if (isSavedBlocksFile(path)) {
            set.sources.push_back(path);
            for (auto& ids : readSavedBlocks(path, model.config.vocabSize))
                addSample(std::move(ids));
            continue;
        }
        if (!model.tokenizer)
            throw ArgumentError("calibration text needs a tokenizer");
        set.sources.push_back(path);
        const auto samples = readCalibrationSamples(path, o.unit);
        if (samples.empty()) // named here: "too short" below would not say which file was empty
            throw FormatError(path, "", "has no calibration text (empty or only blank lines)");
        for (const auto& sample : samples) {
            if (static_cast<int64_t>(stream.size()) >= wanted)
                break;
            addSample(model.tokenizer->encode(sample, true));
        }
    }
    set.tokensAvailable = static_cast<int64_t>(stream.size());
    const int64_t n = std::min<int64_t>(o.nBlocks, set.tokensAvailable / o.seqLen);
    if (n == 0)
        throw ArgumentError("calibration data too short: " + std::to_string(set.tokensAvailable) + " usable tokens, a block needs " +
                            std::to_string(o.seqLen) + " (" + std::to_string(set.samplesDropped) + " samples dropped as longer than a block" +
                            (set.samplesDropped ? "; try --long-samples split)" : ")"));
    set.blocks = at::tensor(std::vector<int64_t>(stream.begin(), stream.begin() + n * o.seqLen), at::kLong).view({n, o.seqLen});
    if (job) {
        if (n < o.nBlocks)
            job->warn("only " + std::to_string(n) + " calibration blocks could be made, " + std::to_string(o.nBlocks) + " asked");
        if (set.samplesDropped > 0)
            job->warn(std::to_string(set.samplesDropped) + " calibration samples longer than " + std::to_string(o.seqLen) +
                      " tokens were dropped (--long-samples split keeps them)");
        job->log("calibration: " + set.summary());
    }
    return set;
}

} // namespace awb
