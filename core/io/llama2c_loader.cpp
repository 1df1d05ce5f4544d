#include "core/io/llama2c_loader.h"

#include "core/base/error.h"
#include "core/base/mapped_file.h"
#include "core/io/llama2c_header.h"

#include <ATen/ATen.h>
#include <cstring>
#include <fstream>

namespace awb {

bool looksLikeLlama2c(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    int32_t h[7];
    if (!in.read(reinterpret_cast<char*>(h), sizeof h))
        return false;
    return h[0] > 0 && h[1] > 0 && h[2] > 0 && h[3] > 0 && h[5] != 0 && h[6] > 0;
}

Model loadLlama2c(const std::string& path)
{
    auto file = MappedFile::open(path);
    const Llama2cHeader h = parseLlama2cHeader(file->data(), file->size(), file->size(), path);

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
    c.tiedEmbeddings = h.tiedEmbeddings;
    c.vocabSize = h.vocabSize;
    c.maxSeqLen = h.seqLen;
    c.headDim = h.headDim();
    c.rope = RopeStyle::AdjacentPairs;
    c.ropeTheta = 10000.0;
    c.normEps = 1e-5;
    try {
        c.validate(path);
    } catch (const ShapeError& e) {
        throw FormatError(path, "header", e.what());
    }

    // parseLlama2cHeader has checked that the file holds every array below
    const int64_t L = c.nLayers, D = c.dim, H = c.hiddenDim, KV = c.kvDim(), V = c.vocabSize, hd = c.headDim;
    float* cursor = reinterpret_cast<float*>(file->mutableData() + kLlama2cHeaderBytes);
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
