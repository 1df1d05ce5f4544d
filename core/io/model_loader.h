#pragma once
// One entry point for every model source the tool accepts:
//  - a llama2.c checkpoint file (.bin), tokenizer from --tokenizer, or a sibling tokenizer.model,
//    or llama2.c's naming convention tok<vocab_size>.model beside it;
//  - a Hugging Face folder (config.json), tokenizer from --tokenizer or the folder's
//    tokenizer.model / tokenizer.json.
#include "core/base/resources_dir.h"
#include "core/model/model.h"

namespace awb {

struct LoadOptions {
    std::string tokenizerPath;    // explicit tokenizer; empty = look beside the model
    bool requireTokenizer = true; // throw IoError when none is found
    // An AutoAWQ folder's 4-bit linears stay packed (BlockWeights::packed) instead of being
    // dequantized to fp16: a quarter of the memory, and decode reads them through the int4 GEMV. Only
    // for jobs that just run the forward pass (eval, generate); anything that reads or changes the
    // weights themselves (AWQ, export, per-layer error) needs them dequantized.
    bool keepInt4Packed = false;
};

Model loadModel(const std::string& path, const LoadOptions& options = {});

// The embedded default model shipped in resources/ (stories260K) and its tokenizer.
std::string defaultModelPath();

} // namespace awb
