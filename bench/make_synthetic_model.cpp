// Writes a Hugging Face folder of a synthetic Llama model with a real model's dimensions and random
// weights, so that speed and memory can be measured at a realistic size without shipping or
// downloading a real checkpoint (the numbers do not depend on the weights' values).
// Usage: make_synthetic_model --out DIR [--shape tinyllama-1.1b|smollm2-135m] [--layers N]
//   --shape tinyllama-1.1b (default): hidden 2048, FFN 5632, 22 layers, 32/4 heads, vocab 32000,
//           untied lm_head.
//   --shape smollm2-135m: hidden 576, FFN 1536, 30 layers, 9/3 heads, vocab 49152, tied embeddings
//           (SmolLM2-135M's shape).
//   --layers N writes a shallower model for quick runs; every layer costs the same.
// Weights: normal(0, 0.02) like HF's initializer_range, RMSNorm weights 1, bf16, 1 GB shards; no
// tokenizer (pass one with --tokenizer, e.g. stories260K's: its ids are valid in any larger vocab).
#include "bench/bench_options.h"
#include "core/io/hf_writer.h"
#include "core/base/runtime.h"

#include <ATen/ATen.h>
#include <chrono>
#include <cstdio>
#include <string>

namespace {

// Generated in fp32 one tensor at a time and cast at once, so the model is held only in bf16
// (2.2 GB for 22 layers) and never at fp32 size.
at::Tensor randomWeight(std::vector<int64_t> shape)
{
    return at::normal(0.0, 0.02, shape).to(at::kBFloat16);
}

at::Tensor unitNorm(int64_t dim) { return at::ones({dim}, at::kBFloat16); }

} // namespace

int main(int argc, char** argv)
{
    awb::configureRuntime();
    std::string out, shape = "tinyllama-1.1b";
    int64_t layers = 0; // 0 = the shape's own
    const char* usage = "make_synthetic_model --out DIR [--shape tinyllama-1.1b|smollm2-135m] [--layers N]";
    const bool parsed = awb::bench::parseOptions(argc, argv, usage, [&](const std::string& k, const std::string& v) {
        if (k == "--out")
            out = v;
        else if (k == "--shape")
            shape = v;
        else if (k == "--layers")
            layers = std::stoll(v);
        else
            return false;
        return true;
    });
    if (!parsed)
        return 2;
    const bool small = shape == "smollm2-135m";
    if (out.empty() || layers < 0 || (!small && shape != "tinyllama-1.1b")) {
        std::fprintf(stderr, "usage: %s\n", usage);
        return 2;
    }
    if (layers == 0)
        layers = small ? 30 : 22;
    try {
        const auto start = std::chrono::steady_clock::now();
        at::manual_seed(0);
        awb::Model m;
        awb::ModelConfig& c = m.config;
        c.modelType = "llama";
        c.dim = small ? 576 : 2048;
        c.hiddenDim = small ? 1536 : 5632;
        c.nLayers = layers;
        c.nHeads = small ? 9 : 32;
        c.nKvHeads = small ? 3 : 4;
        c.headDim = c.dim / c.nHeads;
        c.vocabSize = small ? 49152 : 32000;
        c.maxSeqLen = 2048;
        c.ropeTheta = small ? 100000.0 : 10000.0;
        c.normEps = 1e-5;
        c.tiedEmbeddings = small;
        c.qkvBias = false;
        c.rope = awb::RopeStyle::RotateHalf; // written as HF stores it, so the writer permutes nothing
        c.validate("synthetic model");
        m.sourceFormat = "synthetic";
        m.weightDtype = "BF16";
        m.tokEmbedding = randomWeight({c.vocabSize, c.dim});
        for (int64_t i = 0; i < layers; ++i) {
            awb::BlockWeights b;
            b.attnNorm = unitNorm(c.dim);
            b.wq = randomWeight({c.qDim(), c.dim});
            b.wk = randomWeight({c.kvDim(), c.dim});
            b.wv = randomWeight({c.kvDim(), c.dim});
            b.wo = randomWeight({c.dim, c.qDim()});
            b.ffnNorm = unitNorm(c.dim);
            b.wGate = randomWeight({c.hiddenDim, c.dim});
            b.wUp = randomWeight({c.hiddenDim, c.dim});
            b.wDown = randomWeight({c.dim, c.hiddenDim});
            m.blocks.push_back(std::move(b));
        }
        m.finalNorm = unitNorm(c.dim);
        m.lmHead = c.tiedEmbeddings ? m.tokEmbedding : randomWeight({c.vocabSize, c.dim});
        m.validateShapes("synthetic model");
        awb::HfWriteOptions options;
        options.dtype = at::kBFloat16;
        options.maxShardBytes = int64_t(1) << 30;
        awb::writeHfFolder(m, out, options);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("wrote %s: %lld layers, %.3f B parameters, bf16, in %.1f s\n", out.c_str(), static_cast<long long>(layers),
                    m.parameterCount() / 1e9, seconds);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
