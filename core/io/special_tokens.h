#pragma once
// BOS and EOS ids with transformers' precedence: generation_config.json (what generate() uses),
// then config.json, then tokenizer_config.json's bos_token/eos_token (token text, looked up in the
// folder's tokenizer files), then the tokenizer file's own guess (tokenizer.json template and
// conventional names, SentencePiece control pieces). EOS may be a list (Llama-3: end_of_text,
// eom, eot); all are kept. Runs on the calling thread; throws FormatError naming the file and key
// when a file gives an id of the wrong type or names a token no tokenizer file defines.
#include "core/model/model.h"

#include <string>
#include <vector>

namespace awb {

struct SpecialTokenIds {
    int64_t bos = -1;          // -1: nobody said
    std::vector<int64_t> eos;  // empty: nobody said
    std::string bosSource, eosSource; // "generation_config.json", "config.json", ..., "tokenizer"
};

// dir: the Hugging Face folder (empty for llama2.c checkpoints: then only the tokenizer counts).
SpecialTokenIds resolveSpecialTokens(const std::string& dir, const Tokenizer* tokenizer);
// Sets model.config.bosId / eosId / eosIds from resolveSpecialTokens where it found something.
void applySpecialTokens(Model& model, const std::string& dir);

} // namespace awb
