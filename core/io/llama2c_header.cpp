#include "core/io/llama2c_header.h"

#include "core/base/checked_math.h"
#include "core/base/error.h"

#include <cstring>

namespace awb {

namespace {
constexpr uint32_t kVersionedMagic = 0x616b3432; // "ak42": llama2.c's newer export versions
// Far above any llama2.c model (Llama 2 70B: dim 8192, hidden 28672, 80 layers, 32000 tokens) and
// small enough that no product of two of them can overflow before the checked sums below.
constexpr int64_t kMaxDimension = 1 << 24;

int64_t positive(int32_t value, const char* field, const std::string& path)
{
    if (value <= 0 || value > kMaxDimension)
        throw FormatError(path, field, std::to_string(value) + " must be between 1 and " + std::to_string(kMaxDimension));
    return value;
}
} // namespace

Llama2cHeader parseLlama2cHeader(const uint8_t* bytes, size_t size, uint64_t fileSize, const std::string& path)
{
    if (size < kLlama2cHeaderBytes || fileSize < kLlama2cHeaderBytes)
        throw FormatError(path, "header", "file is " + std::to_string(fileSize) + " bytes, shorter than the 28-byte header");
    int32_t raw[7];
    std::memcpy(raw, bytes, sizeof raw);
    if (static_cast<uint32_t>(raw[0]) == kVersionedMagic)
        throw FormatError(path, "magic", "llama2.c versioned export (ak42) is not supported; export with the legacy v0 format");
    Llama2cHeader h;
    h.dim = positive(raw[0], "dim", path);
    h.hiddenDim = positive(raw[1], "hidden_dim", path);
    h.nLayers = positive(raw[2], "n_layers", path);
    h.nHeads = positive(raw[3], "n_heads", path);
    h.nKvHeads = positive(raw[4], "n_kv_heads", path);
    // negative vocab_size flags a separate classifier; INT32_MIN has no positive counterpart
    h.tiedEmbeddings = raw[5] > 0;
    if (raw[5] == INT32_MIN)
        throw FormatError(path, "vocab_size", std::to_string(raw[5]) + " is not a vocabulary size");
    h.vocabSize = positive(raw[5] < 0 ? -raw[5] : raw[5], "vocab_size", path);
    h.seqLen = positive(raw[6], "seq_len", path);
    if (h.dim % h.nHeads != 0)
        throw FormatError(path, "n_heads", std::to_string(h.nHeads) + " does not divide dim " + std::to_string(h.dim));
    if (h.nHeads % h.nKvHeads != 0)
        throw FormatError(path, "n_kv_heads", std::to_string(h.nKvHeads) + " does not divide n_heads " + std::to_string(h.nHeads));

    // The weights in llama2.c's order; every term and the sum checked (each factor is below 2^24,
    // so a product of three can reach 2^72: it must be checked too).
    const int64_t L = h.nLayers, D = h.dim, H = h.hiddenDim, KV = h.kvDim(), V = h.vocabSize, hd = h.headDim();
    const int64_t terms[][3] = {{V, D, 1},  {L, D, 1},  {L, D, D}, {L, KV, D}, {L, KV, D}, {L, D, D}, {L, D, 1},
                                {L, H, D},  {L, D, H},  {L, H, D}, {D, 1, 1},  {h.seqLen, hd, 1},
                                {h.tiedEmbeddings ? 0 : V, D, 1}};
    int64_t floats = 0;
    for (const auto& t : terms) {
        int64_t product = 0;
        if (!checkedMul(t[0], t[1], product) || !checkedMul(product, t[2], product) || !checkedAdd(floats, product, floats))
            throw FormatError(path, "header", "dimensions describe more weights than 64 bits can count");
    }
    int64_t bytesNeeded = 0;
    if (!checkedMul(floats, int64_t(4), bytesNeeded) || !checkedAdd(bytesNeeded, int64_t(kLlama2cHeaderBytes), bytesNeeded))
        throw FormatError(path, "header", "dimensions describe more weights than 64 bits can count");
    if (fileSize < static_cast<uint64_t>(bytesNeeded))
        throw FormatError(path, "weights",
                          "truncated: header describes " + std::to_string(bytesNeeded) + " bytes, file has " + std::to_string(fileSize));
    h.floatCount = floats;
    return h;
}

} // namespace awb
