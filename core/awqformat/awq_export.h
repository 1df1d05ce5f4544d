#pragma once
// Export of a quantized model as an AutoAWQ "GEMM" checkpoint: a Hugging Face folder that AutoAWQ,
// transformers (AwqConfig) and vLLM load. Layout per quantized linear (facts in core/awqformat/int4_reference.h):
//   <prefix>.qweight int32 [in, out/8], <prefix>.qzeros int32 [in/G, out/8], <prefix>.scales fp16 [in/G, out]
// and config.json carries quantization_config {quant_method "awq", version "gemm", bits, group_size,
// zero_point, modules_to_not_convert}. The importer side lives in core/awqformat/awq_import.h.
//
// Decisions (each also written into the folder's README.md):
// - group -1 (one group per output channel) is written as "group_size": -1, as AutoAWQ itself writes
//   it (its WQLinear_GEMM turns -1 into in_features); qzeros/scales then have one row. A single
//   number could not name in_features anyway: o_proj and down_proj have different ones.
// - Symmetric quantization (zero_point false) is stored with every zero point = 2^(bits-1): the GEMM
//   layout always has qzeros, and (code - 8) * scale is exactly the symmetric value.
// - The FFN hidden size is zero-padded to a multiple of lcm(8, group) when the format cannot hold
//   it (exact: zero gate/up rows give zero activations, zero down columns add nothing); config.json's
//   intermediate_size says the padded size. Linears that padding cannot make fit (and down_proj
//   under group -1 with padding, where the zeros would join the one group) stay unquantized as
//   fp16 `.weight` of the AWQ-transformed weight and are listed in modules_to_not_convert.
// - Norms, embeddings and lm_head keep the source dtype (fp32 for llama2.c models; AutoAWQ itself
//   stores fp16); config.json's torch_dtype is float16 unless the source is bf16.
#include "core/quant/awq_result.h"
#include "core/base/job_context.h"
#include "core/model/model.h"

#include <ATen/Tensor.h>
#include <cstdint>
#include <optional>
#include <string>

namespace awb {

struct ExportOptions {
    int64_t maxShardBytes = 2'000'000'000; // shard model.safetensors above this (0 = one file)
    // Bits other than 4 are no AutoAWQ format. With this set, 2- and 8-bit codes are written
    // packed 32/bits per int32 in natural column order and marked "awb_extension": "packed-Nbit";
    // only awb reads them back.
    bool allowNon4Bit = false;
    // Measured drift, quoted in the model card when given (e.g. awb quantize --eval).
    std::optional<double> pplFp, pplQ;
    std::string evalText;
};

// Writes the quantized model at outDir (replacing it atomically: the folder is built beside the
// target and renamed only when complete; a cancelled or failed export leaves nothing at outDir).
// fp is the FP model the result was searched on (any dtype); result.blocks empty means RTN.
// Runs on the calling thread; checks job (may be null) for cancellation between blocks and reports
// vLLM compatibility problems and unconverted layers through job->warn.
// Throws ArgumentError for bits the format cannot hold, ShapeError when the result does not fit the
// model, IoError for write failures, Cancelled when job asked to stop.
void exportAutoAwq(const Model& fp, const AwqResult& result, const std::string& outDir, const ExportOptions& options,
                   JobContext* job = nullptr);

} // namespace awb
