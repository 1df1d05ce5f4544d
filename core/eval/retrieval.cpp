#include "core/eval/retrieval.h"

#include "core/base/error.h"

#include <algorithm>
#include <numeric>

namespace awb {

std::vector<int64_t> ChunkedCorpus::chunkTokens(size_t chunk) const
{
    const TokenRange& r = chunks.at(chunk);
    return std::vector<int64_t>(tokens.begin() + r.begin, tokens.begin() + r.end);
}

ChunkedCorpus chunkCorpus(const std::vector<std::vector<int64_t>>& sectionTokens, int64_t chunkTokens, int64_t stride)
{
    if (chunkTokens < 1 || stride < 1 || stride > chunkTokens)
        throw ArgumentError("chunking needs 1 <= stride <= chunk tokens (got chunk " + std::to_string(chunkTokens) + ", stride " +
                            std::to_string(stride) + ")");
    ChunkedCorpus c;
    for (const auto& s : sectionTokens) {
        const int64_t begin = static_cast<int64_t>(c.tokens.size());
        c.tokens.insert(c.tokens.end(), s.begin(), s.end());
        c.sections.push_back({begin, static_cast<int64_t>(c.tokens.size())});
    }
    const int64_t total = static_cast<int64_t>(c.tokens.size());
    for (int64_t begin = 0; begin < total; begin += stride) {
        c.chunks.push_back({begin, std::min(total, begin + chunkTokens)});
        if (begin + chunkTokens >= total)
            break;
    }
    return c;
}

std::vector<int64_t> rankByDistance(const std::vector<double>& distances)
{
    std::vector<int64_t> order(distances.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return distances[static_cast<size_t>(a)] < distances[static_cast<size_t>(b)]; });
    return order;
}

double coverage(const ChunkedCorpus& corpus, int64_t section, const std::vector<int64_t>& ranked, int64_t k)
{
    const TokenRange target = corpus.sections.at(static_cast<size_t>(section));
    const int64_t n = target.end - target.begin;
    if (n <= 0)
        return 0;
    std::vector<bool> covered(static_cast<size_t>(n), false);
    for (int64_t i = 0; i < std::min<int64_t>(k, static_cast<int64_t>(ranked.size())); ++i) {
        const TokenRange r = corpus.chunks.at(static_cast<size_t>(ranked[static_cast<size_t>(i)]));
        for (int64_t t = std::max(r.begin, target.begin); t < std::min(r.end, target.end); ++t)
            covered[static_cast<size_t>(t - target.begin)] = true;
    }
    return static_cast<double>(std::count(covered.begin(), covered.end(), true)) / static_cast<double>(n);
}

std::vector<TokenRange> headerPieces(const ChunkedCorpus& corpus, const std::vector<int64_t>& ranked, int64_t k)
{
    std::vector<bool> given(corpus.tokens.size(), false);
    std::vector<TokenRange> out;
    for (int64_t i = 0; i < std::min<int64_t>(k, static_cast<int64_t>(ranked.size())); ++i) {
        const TokenRange chunk = corpus.chunks.at(static_cast<size_t>(ranked[static_cast<size_t>(i)]));
        bool inPiece = false; // each run of the chunk's tokens not given yet is a piece
        for (int64_t t = chunk.begin; t < chunk.end; ++t) {
            if (given[static_cast<size_t>(t)]) {
                inPiece = false;
                continue;
            }
            if (!inPiece)
                out.push_back({t, t});
            ++out.back().end;
            given[static_cast<size_t>(t)] = true;
            inPiece = true;
        }
    }
    return out;
}

} // namespace awb
