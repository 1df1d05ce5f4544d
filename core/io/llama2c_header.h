#pragma once
// The 28-byte header of a llama2.c v0 checkpoint, validated from raw bytes without libtorch (the
// loader calls it before it maps any weight, the fuzz target calls it directly). Every int32 is
// checked positive and below a sane limit before any product is formed, and the weights' byte
// count is computed in checked 64-bit arithmetic and compared with the file size.
#include <cstddef>
#include <cstdint>
#include <string>

namespace awb {

struct Llama2cHeader {
    int64_t dim = 0, hiddenDim = 0, nLayers = 0, nHeads = 0, nKvHeads = 0, vocabSize = 0, seqLen = 0;
    bool tiedEmbeddings = true; // vocab_size >= 0 in the file: the classifier is the embedding
    int64_t headDim() const { return dim / nHeads; }
    int64_t kvDim() const { return nKvHeads * headDim(); }
    int64_t floatCount = 0; // fp32 values after the header, in the order of llama2.c's export
};

constexpr size_t kLlama2cHeaderBytes = 28;

// `bytes` is the start of the file (at least `size` bytes of it readable) and `fileSize` its full
// size; `path` names it in errors. Throws FormatError naming the file and the header field
// (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len, magic, weights).
Llama2cHeader parseLlama2cHeader(const uint8_t* bytes, size_t size, uint64_t fileSize, const std::string& path);

} // namespace awb
