#pragma once
// ModelConfig: the architecture of a LLaMA-family model, independent of the file it came from.
#include "core/model/rope_scaling.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

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
    RopeScaling ropeScaling; // rope_scaling / rope_parameters variant (default: plain theta)
    int64_t bosId = 1;
    int64_t eosId = 2;
    // Every end-of-sequence id (eosId first), e.g. Llama-3's [end_of_text, eom, eot]; empty means
    // {eosId}. Generation stops at any of them; exports keep them all.
    std::vector<int64_t> eosIds;
    std::string torchDtype; // the source's torch_dtype ("bfloat16"...), empty when it did not say

    std::vector<int64_t> allEosIds() const { return eosIds.empty() ? std::vector<int64_t>{eosId} : eosIds; }
    bool isEos(int64_t id) const
    {
        const auto ids = allEosIds();
        return std::find(ids.begin(), ids.end(), id) != ids.end();
    }

    int64_t kvDim() const { return nKvHeads * headDim; }
    int64_t qDim() const { return nHeads * headDim; }
    // Throws ShapeError naming `source` when the numbers cannot describe a working model.
    void validate(const std::string& source) const;
};

nlohmann::json toJson(const ModelConfig& config);
const char* ropeStyleName(RopeStyle style);

} // namespace awb
