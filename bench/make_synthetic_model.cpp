// Writes a Hugging Face folder of a synthetic Llama model with TinyLlama-1.1B's dimensions and
// random weights, so that evaluation throughput can be measured at a realistic size without
// shipping or downloading a real checkpoint (the numbers do not depend on the weights' values).
// Usage: make_synthetic_model --out DIR [--layers N]
//   --layers N (default 22) writes a shallower model for quick runs; every layer costs the same.
// Weights: normal(0, 0.02) like HF's initializer_range, RMSNorm weights 1, bf16, 1 GB shards,
// untied lm_head; no tokenizer (load it with requireTokenizer = false).
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
    std::string out;
    int64_t layers = 22;
    const bool parsed =
        awb::bench::parseOptions(argc, argv, "make_synthetic_model --out DIR [--layers N]", [&](const std::string& k, const std::string& v) {
            if (k == "--out")
                out = v;
            else if (k == "--layers")
                layers = std::stoll(v);
            else
                return false;
            return true;
        });
    if (!parsed)
        return 2;
    if (out.empty() || layers < 1) {
        std::fprintf(stderr, "usage: make_synthetic_model --out DIR [--layers N >= 1]\n");
        return 2;
    }
    try {
        const auto start = std::chrono::steady_clock::now();
        at::manual_seed(0);
        awb::Model m;
        awb::ModelConfig& c = m.config;
        c.modelType = "llama";
        c.dim = 2048;
        c.hiddenDim = 5632;
        c.nLayers = layers;
        c.nHeads = 32;
        c.nKvHeads = 4;
        c.headDim = c.dim / c.nHeads;
        c.vocabSize = 32000;
        c.maxSeqLen = 2048;
        c.ropeTheta = 10000.0;
        c.normEps = 1e-5;
        c.tiedEmbeddings = false;
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
        m.lmHead = randomWeight({c.vocabSize, c.dim});
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
