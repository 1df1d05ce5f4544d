#pragma once
// The drift comparison of docs/METRICS.md, split so a sweep pays for the FP side once:
// buildFpReference() runs F over the eval windows (keeping its log-probabilities), the probe set
// (embeddings, μ, retrieval) and the sampled λ answers; compareToReference() then evaluates any
// number of quantized models Q against that reference. Both run on the calling thread, report
// progress and honour cancel through the JobContext between windows, variants and batches, and
// throw Cancelled when stopped.
#include "core/base/job_context.h"
#include "core/eval/calibration_sanity.h"
#include "core/eval/entropy_curve.h"
#include "core/eval/gates.h"
#include "core/eval/lambda.h"
#include "core/eval/probe_set.h"
#include "core/eval/retrieval.h"
#include "core/model/model.h"

#include <ATen/Tensor.h>
#include <array>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

namespace awb {

struct DriftSettings {
    int64_t seqLen = 512;        // eval window (BOS included)
    int64_t maxEvalWindows = 0;  // 0 = every window of the eval text
    int64_t entropyBlock = 16;   // B
    OnsetOptions onset;
    int64_t freeTokens = 384;    // greedy tokens per free-running prompt
    int64_t repetitionWindow = 128;
    double repetitionThreshold = 0.5; // distinct-4-gram ratio below this flags repetition
    int64_t chunkTokens = 64, chunkStride = 32;
    int64_t k = 10;                        // top-k of the reported coverage and of λ's base prompts
    std::vector<int64_t> kVariants{5, 10, 20};
    int64_t lambdaTokens = 96, lambdaEvery = 16;
    double temperature = 0.7, topP = 0.9;
    std::vector<uint64_t> seeds{1, 2};
    bool lambdaFlips = true;     // Q: also sample the other k values and a shuffled header (4x Q's λ cost)
    bool lambdaFlipsFp = false;  // the same for F, whose own flip rate is only a reference: off, it keeps
                                 // stories260K's whole diagnose under a minute on 2 shared cores
    uint64_t shuffleSeed = 7;
    LambdaThresholds lambda;
    GateThresholds gates;
    CalibrationSanityThresholds calibration;
};

// Retrieval of one case by one model.
struct CaseRetrieval {
    std::vector<int64_t> ranking; // chunk indices by increasing ΔS(q, chunk)
    int64_t topChunk = 0;
    double deltaSQR = 0, deltaSRAnchor = 0;
    std::vector<double> coverage; // per DriftSettings::kVariants
    double coverageK = 0;         // at DriftSettings::k
    double minAdjacent = 0;       // min over the target's neighbours d of ΔS(r, d)
    double anchorGap = 0;         // minAdjacent - deltaSRAnchor
};

// λ of one model: variant 0 is the base (k, header in rank order); then the other k values and the
// shuffled header when DriftSettings::lambdaFlips. Runs of a case: paraphrase-major, then seed.
struct LambdaSeries {
    std::vector<std::string> variants;                 // "k10", "k5", "k20", "k10-shuffled"
    at::Tensor delta;                                  // fp32 [variants, cases, runs, steps]: δ_t
    at::Tensor minDistractor;                          // fp32 [variants, cases, runs]: min ΔS(last answer, other section)
    std::vector<std::vector<std::vector<LambdaLabel>>> labels; // [variant][case][run]
    std::vector<std::vector<LambdaLabel>> caseLabels;  // [variant][case]
    std::vector<double> finalCv;                       // [case], base variant
    std::vector<std::vector<std::vector<int64_t>>> answers; // base variant's answer tokens [case][run]
    double convergentRate = 0;                         // share of cases → (base)
    std::vector<bool> flips;                           // [case]: label differs in some variant (empty: not sampled)
};

// Everything measured on one model: the raw series of the report.
struct ModelSeries {
    double ppl = 0, totalNll = 0;
    int64_t scoredTokens = 0;
    at::Tensor entropy;                 // fp32 [windows, seqLen-1] per position, NaN past a window's end
    std::vector<double> entropyBlocks;  // mean over windows, in blocks of entropyBlock
    int64_t onsetBlock = kNoOnset;
    std::vector<std::vector<int64_t>> freeTokens; // generated tokens per prompt
    at::Tensor freeEntropy;             // fp32 [prompts, freeTokens]
    std::vector<double> freeBlocks;
    int64_t freeOnsetBlock = kNoOnset;
    std::vector<double> distinct4;      // per prompt
    std::vector<bool> repetition;       // per prompt
    at::Tensor sectionEmb, questionEmb, paraphraseEmb, chunkEmb; // centred by F's μ, unit: [S,d] [C,d] [C,3,d] [K,d]
    std::vector<CaseRetrieval> cases;
    double deltaSNull = 0;              // median ΔS(question, unrelated section)
    LambdaSeries lambda;
};

struct FpReference {
    DriftSettings settings;
    ProbeSet probes; // empty (no sections): logit drift and teacher-forced entropy only, as a sweep
                     // without --probes measures; every probe series below is then empty
    bool hasProbes() const { return !probes.sections.empty(); }
    std::vector<std::vector<int64_t>> sectionTokens, questionTokens, freePromptTokens;
    std::vector<std::array<std::vector<int64_t>, 3>> paraphraseTokens;
    ChunkedCorpus corpus;
    std::vector<at::Tensor> windows;   // eval windows (BOS + tokens)
    std::vector<at::Tensor> hidden;    // F's final hidden states per window [len, dim]: each Q's comparison
                                       // runs F's LM head on them again (1.2 MB a window at the 135M shape,
                                       // where the logits would be 100 MB)
    at::Tensor mu;                     // fp32 [dim]: F's mean pooled vector over sections, questions, paraphrases
    ModelSeries fp;
    std::vector<std::pair<std::string, double>> seconds; // stage -> wall seconds
};

// Q against the reference.
struct DriftComparison {
    ModelSeries q;
    at::Tensor klPerPosition;          // fp32 [windows, seqLen-1], NaN past a window's end
    std::vector<double> klPerWindow, top1PerWindow, deltaPPerWindow;
    std::vector<double> caseDrift;     // per case
    std::vector<bool> lambdaLost;      // per case: F → and Q not
    DriftSummary summary;
    std::vector<Gate> gates;
    std::vector<DiagnosisRow> diagnosis;
    std::vector<std::pair<std::string, double>> seconds;
};

// Every setting, as reports and sweep plans record them.
nlohmann::json toJson(const DriftSettings& settings);

// Throws ArgumentError for impossible settings (checked before any model work) and when the model
// has no tokenizer.
void validateDriftSettings(const DriftSettings& settings, const ModelConfig& config);

FpReference buildFpReference(const Model& fp, const ProbeSet& probes, const std::vector<int64_t>& evalTokens,
                             const DriftSettings& settings, JobContext& job);
// fp is the ruler of λ (answers of both models are embedded by F); q may be fp itself.
DriftComparison compareToReference(const FpReference& reference, const Model& fp, const Model& q, JobContext& job);

} // namespace awb
