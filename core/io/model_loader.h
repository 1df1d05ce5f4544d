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
};

Model loadModel(const std::string& path, const LoadOptions& options = {});

// The embedded default model shipped in resources/ (stories260K) and its tokenizer.
std::string defaultModelPath();

} // namespace awb
