#pragma once
// The non-weight files a Hugging Face loader reads beside config.json and the safetensors: the
// generation settings, the chat template, the tokenizer and its settings. Exports (awb convert,
// AutoAWQ export) carry every one of them so the written folder behaves like the source.
#include "core/model/model.h"

#include <string>
#include <vector>

namespace awb {

// File names, in one place: generation_config.json, chat_template.jinja, chat_template.json,
// tokenizer_config.json (which may hold chat_template), special_tokens_map.json, added_tokens.json,
// tokenizer.json, tokenizer.model, vocab.json, merges.txt.
const std::vector<std::string>& hfCompanionFileNames();

// Copies into outDir each companion file of the model's source folder (HF sources), then the
// tokenizer the model was loaded with (an explicit --tokenizer outside the folder wins), and writes
// a generation_config.json with bos/eos ids (every eos id) when the source has none. Calling
// thread; throws IoError when a copy fails.
void writeHfCompanionFiles(const Model& model, const std::string& outDir);

} // namespace awb
