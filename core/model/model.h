#pragma once
// Model: the weights of a LLaMA-family model as libtorch tensors, [out, in] like nn.Linear.
// Tensors keep the dtype they were stored in (F32/F16/BF16) and usually view a memory-mapped file,
// so loading is cheap and a block's pages are only read when that block runs; the forward pass
// upcasts one block at a time to fp32. Copying a Model is shallow (tensors share storage): code
// that changes weights (AWQ) assigns new tensors and never writes in place.
#include "core/awqformat/packed_int4_linear.h"
#include "core/model/hf_names.h"
#include "core/model/model_config.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/Tensor.h>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace awb {

// A pseudo-quantized linear's weight as integer codes and fp32 group scales, kept beside the fp32
// weight it equals bit for bit (weight[n][k] == float(codes[n][k]) * scales[n][k / groupSize], the
// one product pseudoQuantize rounds): a decode step streams 1 byte a weight instead of 4 through
// decodeGemvCodes, with the same sums (core/model/decode_gemv.h). `weight` is that fp32 tensor: the
// codes serve only while the block's slot still holds it.
struct QuantCodes {
    at::Tensor weight; // fp32 [N, K]
    at::Tensor codes;  // int8 [N, K]: code - zero
    at::Tensor scales; // fp32 [N, groups]
    int64_t groupSize = 0; // a power of two, or K (one group a row): decodeGemvCodes' groups
};

struct BlockWeights {
    at::Tensor attnNorm;      // [dim]
    at::Tensor wq, wk, wv, wo; // [qDim, dim], [kvDim, dim], [kvDim, dim], [dim, qDim]
    at::Tensor bq, bk, bv;    // optional biases (Qwen2); undefined when absent
    at::Tensor ffnNorm;       // [dim]
    at::Tensor wGate, wUp;    // [hidden, dim]
    at::Tensor wDown;         // [dim, hidden]
    // Linears kept packed (LoadOptions::keepInt4Packed), by Hugging Face name ("q_proj"...). Their
    // slot above then holds a tensor of the right shape on the meta device: no data, so shape checks
    // work and any arithmetic on it fails loudly instead of reading garbage.
    std::map<std::string, PackedInt4Linear> packed;
    // Pseudo-quantized linears' codes for decoding (pseudoQuantizeBlock with keepCodes), by name.
    std::map<std::string, QuantCodes> codes;

    // Visits the seven linear weights with their Hugging Face names (q_proj, ..., down_proj).
    void forEachLinear(const std::function<void(const std::string& name, at::Tensor& weight)>& fn);
    // Visits every tensor slot (undefined optional biases included) in checkpoint order with its
    // Hugging Face name relative to the layer, e.g. "self_attn.q_proj.weight" (core/model/hf_names.h).
    void forEachTensor(const std::function<void(const std::string& relativeName, at::Tensor& tensor)>& fn);
    void forEachTensor(const std::function<void(const std::string& relativeName, const at::Tensor& tensor)>& fn) const;
    // The linear weight with that Hugging Face name; throws ShapeError for an unknown name.
    at::Tensor& linear(const std::string& name);
    const at::Tensor& linear(const std::string& name) const;
};

struct Model {
    ModelConfig config;
    at::Tensor tokEmbedding; // [vocab, dim]
    at::Tensor finalNorm;    // [dim]
    at::Tensor lmHead;       // [vocab, dim]; the same tensor as tokEmbedding when tied
    std::vector<BlockWeights> blocks;
    std::shared_ptr<Tokenizer> tokenizer; // may be null when none was found
    std::string sourcePath;
    std::string sourceFormat; // "llama2.c" | "hf-safetensors"
    std::string weightDtype;  // as stored: "F32", "BF16", "F16"; "AWQ-W4-G128" for an imported AWQ checkpoint
    // An imported quantized checkpoint's quantization_config as compact JSON (empty for FP models):
    // its linears were dequantized at load (or kept packed), so weightDtype alone would hide how they
    // were stored.
    std::string quantization;
    // An HF source's config.json as compact JSON (empty for llama2.c): exports start from it so that
    // keys awb does not model (rope settings in their layout, torch_dtype, pad_token_id...) survive.
    std::string sourceConfig;

    // Visits every defined tensor under its full Hugging Face name, in checkpoint order
    // (lm_head only when it is not tied to the embedding).
    void forEachTensor(const std::function<void(const std::string& name, const at::Tensor& tensor)>& fn) const;
    int64_t parameterCount() const;
    // Throws ShapeError naming `source` and the tensor when a weight does not match the config.
    void validateShapes(const std::string& source) const;
};

// [out, in] of a block linear (by Hugging Face name) for this config; throws ShapeError for an
// unknown name.
std::pair<int64_t, int64_t> linearShape(const ModelConfig& config, const std::string& linear);

// Lets the OS drop the tensor's / block's pages when they view a mapped file (see MappedFile);
// nothing happens to other memory.
void releaseMappedPages(const at::Tensor& tensor);
void releaseMappedPages(const BlockWeights& block);

} // namespace awb
