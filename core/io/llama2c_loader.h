#pragma once
// llama2.c checkpoints, legacy v0 format: 7 int32 header (dim, hidden_dim, n_layers, n_heads,
// n_kv_heads, vocab_size, seq_len; vocab_size < 0 means a separate classifier), then fp32 arrays.
// The weights view the mapped file (no copy). Throws FormatError naming the file and field.
#include "core/model/model.h"

namespace awb {

Model loadLlama2c(const std::string& path);
// True when the file starts with a plausible llama2.c v0 header (used to tell formats apart).
bool looksLikeLlama2c(const std::string& path);

} // namespace awb
