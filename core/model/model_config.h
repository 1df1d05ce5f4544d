#pragma once
// ModelConfig: the architecture of a LLaMA-family model, independent of the file it came from.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace awb {

// How RoPE pairs the dimensions of a head: llama2.c/Meta rotate adjacent pairs (x[2i], x[2i+1]);
// Hugging Face checkpoints rotate the two halves (x[i], x[i + d/2]) and permute q/k accordingly.
enum class RopeStyle { AdjacentPairs, RotateHalf };

struct ModelConfig {
    std::string modelType = "llama"; // llama | mistral | qwen2
    int64_t dim = 0;                 // hidden_size
    int64_t hiddenDim = 0;           // intermediate_size (FFN)
    int64_t nLayers = 0;
    int64_t nHeads = 0;
    int64_t nKvHeads = 0;
    int64_t headDim = 0;
    int64_t vocabSize = 0;
    int64_t maxSeqLen = 0;
    double ropeTheta = 10000.0;
    double normEps = 1e-5;
    bool tiedEmbeddings = false;
    bool qkvBias = false;
    RopeStyle rope = RopeStyle::RotateHalf;
    int64_t bosId = 1;
    int64_t eosId = 2;

    int64_t kvDim() const { return nKvHeads * headDim; }
    int64_t qDim() const { return nHeads * headDim; }
    // Throws ShapeError naming `source` when the numbers cannot describe a working model.
    void validate(const std::string& source) const;
};

nlohmann::json toJson(const ModelConfig& config);
const char* ropeStyleName(RopeStyle style);

} // namespace awb
