#pragma once
// Text generation with a KV cache: greedy (temperature 0) or sampled (temperature, top-p, seed).
// Runs on the calling thread; onText (if set) receives each newly decoded piece of text.
#include "core/base/job_context.h"
#include "core/model/model.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace awb {

struct GenerateOptions {
    std::string prompt;      // empty: start from BOS alone
    int64_t maxTokens = 256; // tokens generated after the prompt
    double temperature = 0.0;
    double topP = 1.0;
    uint64_t seed = 0;
    bool stopAtEos = true;
};

struct GenerateResult {
    std::vector<int64_t> tokens; // prompt (with BOS) + generated
    int64_t promptTokens = 0;
    std::string text;            // generated text only
    double seconds = 0;
};

GenerateResult generate(const Model& model, const GenerateOptions& options, JobContext* job = nullptr,
                        const std::function<void(const std::string&)>& onText = {});

struct BatchGenerateOptions {
    int64_t maxTokens = 96;
    double temperature = 0.0;
    double topP = 1.0;
    std::vector<uint64_t> seeds{0}; // each prompt is continued once per seed: rows = prompts x seeds
    bool stopAtEos = true;          // a row that draws EOS ends there (the batch runs on for the others)
    std::string stage;              // when set, chunks done / chunks are reported under this name
};

// Continues several prompts (token ids, BOS included) together, in chunks (a bounded KV cache per
// chunk; at most the decode GEMV's rows where it runs) run on as many workers as libtorch has
// intra-op threads, one thread each. Within a chunk prompts of unequal length are left-padded into
// one KV cache (KvCache::setLeftPadding), each at its own positions; each prompt is prefilled once
// and its cache shared by its seeds, and a prompt that begins like another of its chunk copies the
// shared positions from it (prompts that begin alike are put in one chunk). Row i * seeds + j draws
// what generate() draws for prompt i with seed j (the same sampleToken and uniform sequence), up to
// the rounding of the batched pass. Returns the generated tokens of each row (no prompt, no EOS).
// Throws ArgumentError when the longest prompt plus maxTokens exceeds the context; job: cancel is
// checked at every block of a chunk's prefill and every decode step.
std::vector<std::vector<int64_t>> generateBatch(const Model& model, const std::vector<std::vector<int64_t>>& prompts,
                                                const BatchGenerateOptions& options, JobContext* job = nullptr);

} // namespace awb
