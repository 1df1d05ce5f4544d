#include "core/model/generation.h"

#include "core/base/error.h"
#include "core/base/runtime.h"
#include "core/model/decode_gemv.h"
#include "core/model/sampling.h"
#include "core/model/transformer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <utility>
#include <numeric>
#include <mutex>
#include <random>
#include <thread>

namespace awb {

GenerateResult generate(const Model& stored, const GenerateOptions& o, JobContext* job,
                        const std::function<void(const std::string&)>& onText)
{
    const Model model = decodeWeights(stored, 1);
    if (!model.tokenizer)
        throw ArgumentError("generation needs a tokenizer");
    if (o.maxTokens < 0)
        throw ArgumentError("--max-tokens must be >= 0");
    if (o.topP <= 0 || o.topP > 1)
        throw ArgumentError("--top-p must be in (0, 1]");
    const auto start = std::chrono::steady_clock::now();
    GenerateResult r;
    r.tokens = o.prompt.empty() ? std::vector<int64_t>{model.config.bosId} : model.tokenizer->encode(o.prompt, true);
    r.promptTokens = static_cast<int64_t>(r.tokens.size());
    const int64_t total = std::min<int64_t>(model.config.maxSeqLen, r.promptTokens + o.maxTokens);
    if (r.promptTokens > model.config.maxSeqLen)
        throw ArgumentError("prompt of " + std::to_string(r.promptTokens) + " tokens exceeds the model's context of " +
                            std::to_string(model.config.maxSeqLen));
    RopeTable rope(model.config, total);
    KvCache cache(model.config, 1, total);
    std::mt19937_64 rng(o.seed);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::string emitted;
    at::Tensor input = at::tensor(r.tokens, at::kLong).unsqueeze(0);
    while (static_cast<int64_t>(r.tokens.size()) < total) {
        at::Tensor logits = forward(model, rope, input, &cache).select(1, -1).squeeze(0);
        const int64_t next = sampleToken(logits, o.temperature, o.topP, uniform(rng));
        if (o.stopAtEos && model.config.isEos(next)) // any of them: chat models end turns with e.g. <|eot_id|>
            break;
        r.tokens.push_back(next);
        const std::string text = model.tokenizer->decode(std::vector<int64_t>(r.tokens.begin() + r.promptTokens, r.tokens.end()));
        if (onText && text.size() > emitted.size() && text.compare(0, emitted.size(), emitted) == 0)
            onText(text.substr(emitted.size()));
        emitted = text;
        input = at::tensor({next}, at::kLong).unsqueeze(0);
        if (job)
            job->report(static_cast<int64_t>(r.tokens.size()) - r.promptTokens, total - r.promptTokens, "generate");
    }
    r.text = emitted;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
}

namespace {

// KV cache that the passes running at once may hold together (each prompt's positions once, shared
// by its seeds, and each row's generated ones; x layers x k and v, fp32). At the 135M shape a λ
// prompt at k = 20 (~1,500 positions) costs 69 MB: all 84 rows in one pass, one copy per row, held 5.8 GB.
constexpr int64_t kBatchCacheBytes = int64_t(512) << 20;

int64_t commonPrefix(const std::vector<int64_t>& a, const std::vector<int64_t>& b)
{
    const size_t n = std::min(a.size(), b.size());
    return std::mismatch(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin()).first - a.begin();
}

// One batched pass over prompts already checked by generateBatch; model: weights decoded for its rows.
std::vector<std::vector<int64_t>> generateChunk(const Model& model, const std::vector<std::vector<int64_t>>& prompts,
                                                const BatchGenerateOptions& o, JobContext* job)
{
    const int64_t nSeeds = static_cast<int64_t>(o.seeds.size());
    const int64_t rows = static_cast<int64_t>(prompts.size()) * nSeeds;
    std::vector<std::vector<int64_t>> out(static_cast<size_t>(rows));
    const size_t nPrompts = prompts.size();
    std::vector<size_t> order(nPrompts); // longest first: a shorter prompt may begin like a longer one
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prompts[a].size() > prompts[b].size(); });
    const int64_t promptLen = static_cast<int64_t>(prompts[order.front()].size());
    at::NoGradGuard noGrad;
    std::vector<int64_t> pads;
    for (const auto& p : prompts)
        pads.push_back(promptLen - static_cast<int64_t>(p.size()));
    RopeTable rope(model.config, promptLen + o.maxTokens);
    KvCache cache(model.config, static_cast<int64_t>(nPrompts), promptLen);
    // Each prompt is prefilled alone into its row, right-aligned (left padding), at its own positions:
    // what generate() computes for it. A prompt that begins like one prefilled before it copies those
    // positions' keys and values instead of computing them again (causal attention: they do not
    // depend on what follows), e.g. λ's headers at k = 5 and 10, which begin the one at k = 20.
    struct Prefill {
        KvCache cache;         // the prompt's row
        int64_t shared = 0;    // positions copied from the donor's row
        const KvCache* donor = nullptr;
        at::Tensor hidden;     // [1, positions computed, dim]
    };
    std::vector<Prefill> fill;
    fill.reserve(nPrompts); // donors point into it
    int64_t computed = 0;
    for (size_t n = 0; n < nPrompts; ++n) {
        const auto& prompt = prompts[order[n]];
        Prefill f{cache.rowView(static_cast<int64_t>(order[n]), pads[order[n]]), 0, nullptr, {}};
        for (size_t m = 0; m < n; ++m)
            if (const int64_t common = commonPrefix(prompt, prompts[order[m]]); common > f.shared) {
                f.shared = common;
                f.donor = &fill[m].cache;
            }
        f.shared = std::min(f.shared, static_cast<int64_t>(prompt.size()) - 1); // the last position draws the first token
        f.cache.length = f.shared;
        f.hidden = embedTokens(model, at::tensor(prompt, at::kLong).slice(0, f.shared).unsqueeze(0));
        computed += f.hidden.size(1);
        fill.push_back(std::move(f));
    }
    // Block by block over the prompts, so a bf16 model's block is upcast once for the chunk, with a
    // cancel check before each (at the 135M shape a block of a chunk's prefill is ~0.3 s of one thread).
    for (size_t l = 0; l < model.blocks.size(); ++l) {
        if (job)
            job->checkCancelled();
        const BlockWeights w = blockWeightsFor(model.blocks[l], computed);
        for (Prefill& f : fill) {
            if (f.shared > 0) {
                f.cache.keys[l].narrow(2, 0, f.shared).copy_(f.donor->keys[l].narrow(2, 0, f.shared));
                f.cache.values[l].narrow(2, 0, f.shared).copy_(f.donor->values[l].narrow(2, 0, f.shared));
            }
            f.hidden = blockForward(model.config, rope, w, f.hidden, &f.cache, l);
        }
    }
    std::vector<at::Tensor> last(nPrompts);
    for (size_t n = 0; n < nPrompts; ++n)
        last[order[n]] = fill[n].hidden.select(1, -1);
    at::Tensor hidden = outputHidden(model, at::cat(last, 0));
    fill.clear();
    cache.length = promptLen;
    if (pads[order.back()] > 0)
        cache.setLeftPadding(pads); // left empty when no row is padded
    // Each prompt's cache is the shared prefix of its seeds' rows: prefilled once, read once per step.
    cache.sharePrefix(nSeeds, o.maxTokens);
    if (nSeeds > 1)
        hidden = hidden.repeat_interleave(nSeeds, 0);
    const at::Tensor& lmHead = model.lmHead;
    std::vector<std::mt19937_64> rngs;
    for (int64_t r = 0; r < rows; ++r)
        rngs.emplace_back(o.seeds[static_cast<size_t>(r % nSeeds)]);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::vector<bool> done(static_cast<size_t>(rows), false);
    int64_t active = rows;
    for (int64_t step = 0; step < o.maxTokens && active > 0; ++step) {
        if (job)
            job->checkCancelled();
        at::Tensor logits = applyLinear(hidden, lmHead); // [rows, V]
        std::vector<int64_t> next(static_cast<size_t>(rows), model.config.bosId);
        for (int64_t r = 0; r < rows; ++r) {
            const double u = uniform(rngs[static_cast<size_t>(r)]); // drawn for finished rows too: keeps rows independent
            if (done[static_cast<size_t>(r)])
                continue;
            const int64_t t = sampleToken(logits[r], o.temperature, o.topP, u);
            if (o.stopAtEos && t == model.config.eosId) {
                done[static_cast<size_t>(r)] = true;
                --active;
                continue;
            }
            out[static_cast<size_t>(r)].push_back(t);
            next[static_cast<size_t>(r)] = t;
        }
        if (step + 1 < o.maxTokens && active > 0)
            hidden = forwardHidden(model, rope, at::tensor(next, at::kLong).unsqueeze(1), &cache).select(1, -1);
    }
    return out;
}

// Where to cut prompts (indices in lexicographic order) in two: between the neighbours that share
// the fewest positions, the one nearest the middle among equals.
size_t leastSharedCut(const std::vector<std::vector<int64_t>>& prompts, const std::vector<size_t>& sorted)
{
    size_t cut = 1;
    int64_t fewest = INT64_MAX, offCentre = INT64_MAX;
    for (size_t n = 1; n < sorted.size(); ++n) {
        const int64_t shared = commonPrefix(prompts[sorted[n - 1]], prompts[sorted[n]]);
        const int64_t off = std::abs(2 * static_cast<int64_t>(n) - static_cast<int64_t>(sorted.size()));
        if (shared < fewest || (shared == fewest && off < offCentre)) {
            cut = n;
            fewest = shared;
            offCentre = off;
        }
    }
    return cut;
}

// Chunks of prompts, each within `rowCap` rows (prompts x seeds) and `positionCap` cached positions
// (its prompts padded to its longest, plus each row's generated ones), and at least `minChunks` of
// them while one holds several prompts (a worker each). Prompts that begin alike go together, since
// a chunk prefills a shared beginning once: in lexicographic order they are neighbours; a run of
// neighbours sharing kSharedPositions or more is cut only where it does not fit, between its least
// shared neighbours, and the runs are packed largest first into the first chunk with room.
// Returned cheapest first (by their prompts' positions).
std::vector<std::vector<size_t>> planChunks(const std::vector<std::vector<int64_t>>& prompts, int64_t nSeeds, int64_t maxTokens,
                                            int64_t rowCap, int64_t positionCap, size_t minChunks)
{
    constexpr int64_t kSharedPositions = 16;
    auto lexicographic = [&](std::vector<size_t>& v) {
        std::stable_sort(v.begin(), v.end(), [&](size_t a, size_t b) { return prompts[a] < prompts[b]; });
    };
    auto fits = [&](const std::vector<size_t>& chunk) {
        size_t longest = 0;
        for (size_t i : chunk)
            longest = std::max(longest, prompts[i].size());
        const int64_t n = static_cast<int64_t>(chunk.size());
        return n * nSeeds <= rowCap && n * static_cast<int64_t>(longest) + n * nSeeds * maxTokens <= positionCap;
    };
    std::vector<std::vector<size_t>> groups;
    std::function<void(std::vector<size_t>)> addGroup = [&](std::vector<size_t> group) { // lexicographic
        if (group.size() == 1 || fits(group)) {
            groups.push_back(std::move(group));
            return;
        }
        const auto cut = group.begin() + static_cast<std::ptrdiff_t>(leastSharedCut(prompts, group));
        addGroup(std::vector<size_t>(group.begin(), cut));
        addGroup(std::vector<size_t>(cut, group.end()));
    };
    std::vector<size_t> order(prompts.size());
    std::iota(order.begin(), order.end(), size_t(0));
    lexicographic(order);
    std::vector<size_t> run;
    for (size_t n = 0; n < order.size(); ++n) {
        if (!run.empty() && commonPrefix(prompts[run.back()], prompts[order[n]]) < kSharedPositions)
            addGroup(std::exchange(run, {}));
        run.push_back(order[n]);
    }
    if (!run.empty())
        addGroup(std::move(run));
    std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    std::vector<std::vector<size_t>> chunks;
    for (const auto& group : groups) {
        bool placed = false;
        for (auto& chunk : chunks) {
            std::vector<size_t> joined = chunk;
            joined.insert(joined.end(), group.begin(), group.end());
            if (fits(joined)) {
                chunk = std::move(joined);
                placed = true;
                break;
            }
        }
        if (!placed)
            chunks.push_back(group);
    }
    // E.g. the six free-running prompts of `awb diagnose` fit one chunk, which ran on one thread
    // while the other core idled.
    while (chunks.size() < minChunks) {
        auto largest = std::max_element(chunks.begin(), chunks.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
        if (largest->size() < 2)
            break;
        lexicographic(*largest);
        const auto cut = largest->begin() + static_cast<std::ptrdiff_t>(leastSharedCut(prompts, *largest));
        std::vector<size_t> back(cut, largest->end());
        largest->erase(cut, largest->end());
        chunks.push_back(std::move(back));
    }
    auto cost = [&](const std::vector<size_t>& chunk) {
        int64_t positions = 0;
        for (size_t i : chunk)
            positions += static_cast<int64_t>(prompts[i].size());
        return positions;
    };
    std::stable_sort(chunks.begin(), chunks.end(), [&](const auto& a, const auto& b) { return cost(a) < cost(b); });
    return chunks;
}

} // namespace

std::vector<std::vector<int64_t>> generateBatch(const Model& stored, const std::vector<std::vector<int64_t>>& prompts,
                                                const BatchGenerateOptions& o, JobContext* job)
{
    if (o.topP <= 0 || o.topP > 1)
        throw ArgumentError("top-p must be in (0, 1]");
    if (o.seeds.empty() || o.maxTokens < 0)
        throw ArgumentError("batched generation needs at least one seed and maxTokens >= 0");
    const int64_t nSeeds = static_cast<int64_t>(o.seeds.size());
    std::vector<std::vector<int64_t>> out(prompts.size() * o.seeds.size());
    for (const auto& p : prompts) {
        if (p.empty())
            throw ArgumentError("batched generation: empty prompt (BOS expected)");
        if (static_cast<int64_t>(p.size()) + o.maxTokens > stored.config.maxSeqLen)
            throw ArgumentError("prompt of " + std::to_string(p.size()) + " tokens plus " + std::to_string(o.maxTokens) +
                                " generated exceeds the model's context of " + std::to_string(stored.config.maxSeqLen));
    }
    if (prompts.empty() || o.maxTokens == 0)
        return out;
    const int threads = tensorCores();
    const ModelConfig& c = stored.config;
    const int64_t bytesPerPosition = 2 * c.nLayers * c.nKvHeads * c.headDim * static_cast<int64_t>(sizeof(float));
    const int64_t rowCap = decodeGemvAvailable() ? std::max(kDecodeGemvMaxRows, nSeeds) : INT64_MAX;
    const std::vector<std::vector<size_t>> chunks = planChunks(prompts, nSeeds, o.maxTokens, rowCap,
                                                               kBatchCacheBytes / (bytesPerPosition * threads), static_cast<size_t>(threads));
    int64_t widest = 0;
    for (const auto& chunk : chunks)
        widest = std::max(widest, static_cast<int64_t>(chunk.size()) * nSeeds);
    const Model model = decodeWeights(stored, widest);
    auto run = [&](const std::vector<size_t>& chunk) {
        std::vector<std::vector<int64_t>> part;
        for (size_t i : chunk)
            part.push_back(prompts[i]);
        auto rows = generateChunk(model, part, o, job);
        for (size_t j = 0; j < chunk.size(); ++j)
            for (int64_t s = 0; s < nSeeds; ++s)
                out[chunk[j] * o.seeds.size() + static_cast<size_t>(s)] = std::move(rows[j * o.seeds.size() + static_cast<size_t>(s)]);
    };
    const int workers = static_cast<int>(std::min<size_t>(chunks.size(), static_cast<size_t>(threads)));
    std::atomic<int64_t> finished{0};
    const int64_t nChunks = static_cast<int64_t>(chunks.size());
    // Progress from the job thread only (JobContext's rule): the calling thread is one of the workers.
    auto reportFinished = [&] {
        if (job && !o.stage.empty())
            job->report(finished.load(), nChunks, o.stage);
    };
    if (workers <= 1) {
        for (const auto& chunk : chunks) {
            run(chunk);
            ++finished;
            reportFinished();
        }
    } else {
        // Several chunks at once, one intra-op thread each: a decode step's products are too small to
        // share between threads (perf of λ sampling at the 135M shape: the team's second thread spent
        // ~70% of its time spinning in libgomp), while independent chunks keep every core busy.
        const ScopedIntraOpThreads one(1);
        const ScopedBlasThreads oneBlas(1);
        std::atomic<size_t> next{0};
        std::mutex mutex;
        std::exception_ptr error;
        // Costliest chunks first (planChunks returns them cheapest first): the last to finish is a short one.
        auto worker = [&](bool jobThread) {
            at::set_num_threads(1);
            for (size_t i = next++; i < chunks.size(); i = next++) {
                try {
                    run(chunks[chunks.size() - 1 - i]);
                    ++finished;
                    if (jobThread)
                        reportFinished();
                } catch (...) {
                    const std::lock_guard<std::mutex> guard(mutex);
                    if (!error)
                        error = std::current_exception();
                    next = chunks.size();
                }
            }
        };
        std::vector<std::thread> pool;
        for (int w = 1; w < workers; ++w)
            pool.emplace_back(worker, false);
        worker(true);
        for (auto& t : pool)
            t.join();
        if (error)
            std::rethrow_exception(error);
    }
    releaseFreeMemory(); // the caches' blocks (a few MB each) would otherwise stay in the heap
    return out;
}

} // namespace awb
