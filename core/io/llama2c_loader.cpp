#include "core/io/llama2c_loader.h"

#include "core/base/error.h"
#include "core/base/mapped_file.h"

#include <ATen/ATen.h>
#include <cstring>
#include <fstream>

namespace awb {

namespace {
constexpr uint32_t kVersionedMagic = 0x616b3432; // "ak42": llama2.c's newer export versions

struct Header {
    int32_t dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen;
};
} // namespace

bool looksLikeLlama2c(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    Header h{};
    if (!in.read(reinterpret_cast<char*>(&h), sizeof h))
        return false;
    return h.dim > 0 && h.hiddenDim > 0 && h.nLayers > 0 && h.nHeads > 0 && h.vocabSize != 0 && h.seqLen > 0;
}

Model loadLlama2c(const std::string& path)
{
    auto file = MappedFile::open(path);
    if (file->size() < sizeof(Header))
        throw FormatError(path, "header", "file is " + std::to_string(file->size()) + " bytes, shorter than the 28-byte header");
    uint32_t magic = 0;
    std::memcpy(&magic, file->data(), 4);
    if (magic == kVersionedMagic)
        throw FormatError(path, "magic", "llama2.c versioned export (ak42) is not supported; export with the legacy v0 format");
    Header h{};
    std::memcpy(&h, file->data(), sizeof h);

    Model m;
    m.sourcePath = path;
    m.sourceFormat = "llama2.c";
    m.weightDtype = "F32";
    ModelConfig& c = m.config;
    c.modelType = "llama";
    c.dim = h.dim;
    c.hiddenDim = h.hiddenDim;
    c.nLayers = h.nLayers;
    c.nHeads = h.nHeads;
    c.nKvHeads = h.nKvHeads;
    c.tiedEmbeddings = h.vocabSize > 0;
    c.vocabSize = std::abs(h.vocabSize);
    c.maxSeqLen = h.seqLen;
    c.headDim = h.nHeads > 0 ? h.dim / h.nHeads : 0;
    c.rope = RopeStyle::AdjacentPairs;
    c.ropeTheta = 10000.0;
    c.normEps = 1e-5;
    if (h.nHeads > 0 && h.dim % h.nHeads != 0)
        throw FormatError(path, "n_heads", std::to_string(h.nHeads) + " does not divide dim " + std::to_string(h.dim));
    try {
        c.validate(path);
    } catch (const ShapeError& e) {
        throw FormatError(path, "header", e.what());
    }

    const int64_t L = c.nLayers, D = c.dim, H = c.hiddenDim, KV = c.kvDim(), V = c.vocabSize, hd = c.headDim;
    const int64_t floats = V * D + L * D + L * D * D + 2 * L * KV * D + L * D * D + L * D + 3 * L * H * D + D +
                           c.maxSeqLen * hd + (c.tiedEmbeddings ? 0 : V * D);
    const size_t expected = sizeof(Header) + static_cast<size_t>(floats) * 4;
    if (file->size() < expected)
        throw FormatError(path, "weights",
                          "truncated: header describes " + std::to_string(expected) + " bytes, file has " + std::to_string(file->size()));

    float* cursor = reinterpret_cast<float*>(file->mutableData() + sizeof(Header));
    auto take = [&](std::vector<int64_t> shape) {
        int64_t n = 1;
        for (auto s : shape)
            n *= s;
        at::Tensor t = at::from_blob(cursor, shape, [file](void*) {}, at::TensorOptions().dtype(at::kFloat));
        cursor += n;
        return t;
    };
    m.tokEmbedding = take({V, D});
    at::Tensor rmsAtt = take({L, D});
    at::Tensor wq = take({L, D, D});
    at::Tensor wk = take({L, KV, D});
    at::Tensor wv = take({L, KV, D});
    at::Tensor wo = take({L, D, D});
    at::Tensor rmsFfn = take({L, D});
    at::Tensor w1 = take({L, H, D});
    at::Tensor w2 = take({L, D, H});
    at::Tensor w3 = take({L, H, D});
    m.finalNorm = take({D});
    take({c.maxSeqLen, hd}); // freq_cis_real and freq_cis_imag (recomputed, unused)
    m.lmHead = c.tiedEmbeddings ? m.tokEmbedding : take({V, D});
    for (int64_t i = 0; i < L; ++i) {
        BlockWeights b;
        b.attnNorm = rmsAtt[i];
        b.wq = wq[i];
        b.wk = wk[i];
        b.wv = wv[i];
        b.wo = wo[i];
        b.ffnNorm = rmsFfn[i];
        b.wGate = w1[i];
        b.wDown = w2[i];
        b.wUp = w3[i];
        m.blocks.push_back(std::move(b));
    }
    m.validateShapes(path);
    return m;
}

} // namespace awb
