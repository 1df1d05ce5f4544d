#pragma once
// Retrieval over a chunked corpus (docs/METRICS.md §4). The sections' tokens are concatenated in
// order into one stream and cut into chunks of `chunkTokens` every `stride` tokens (the last chunk
// ends at the stream's end), so a chunk may straddle two sections, as in a RAG index over a document.
// Coverage counts tokens: |target tokens inside the union of the top-k chunks| / |target tokens|.
// Pure functions; any thread.
#include <ATen/Tensor.h>
#include <cstdint>
#include <vector>

namespace awb {

struct TokenRange {
    int64_t begin = 0, end = 0; // [begin, end) in the corpus stream
};

struct ChunkedCorpus {
    std::vector<int64_t> tokens;        // all sections, in order
    std::vector<TokenRange> sections;   // each section's range
    std::vector<TokenRange> chunks;     // each chunk's range
    std::vector<int64_t> chunkTokens(size_t chunk) const;
};

// Throws ArgumentError when chunkTokens < 1, stride < 1 or stride > chunkTokens (tokens would be
// left out of every chunk).
ChunkedCorpus chunkCorpus(const std::vector<std::vector<int64_t>>& sectionTokens, int64_t chunkTokens, int64_t stride);

// Chunk indices ordered by increasing distance (ties: lower index first, so rankings are stable).
std::vector<int64_t> rankByDistance(const std::vector<double>& distances);

// Share of the section's tokens inside the union of the first k ranked chunks; 0 for an empty section.
double coverage(const ChunkedCorpus& corpus, int64_t section, const std::vector<int64_t>& ranked, int64_t k);

// A prompt header of the first k ranked chunks: each chunk in rank order adds its tokens that no
// better-ranked chunk has given (the half a stride-32 chunk shares with a neighbour is not repeated),
// as ranges in text order. So the header of k chunks begins the header of more: λ's prompts at
// k = 5 and 10 are prefilled once, as the beginning of the one at k = 20 (core/model/generation.h).
std::vector<TokenRange> headerPieces(const ChunkedCorpus& corpus, const std::vector<int64_t>& ranked, int64_t k);

} // namespace awb
