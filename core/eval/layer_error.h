#pragma once
// Per-layer error: for every block x linear, the relative output error of Q's linear on calibration
// activations, the data of a layer x linear heatmap. Both blocks are fed the FP model's block input
// (F's own path through the earlier blocks), so errors do not accumulate across blocks:
//     err = ||lin_Q(x_Q) - lin_F(x_F)||_F / ||lin_F(x_F)||_F
// where x_F, x_Q are the linear's inputs inside F's and Q's block. For q/k/v/gate/up (fed by the
// norms, where AWQ folds its scales, exactly) this is the linear's own error; o_proj and down_proj
// also see the error of the linears before them in the same block. Works for any Q of the same
// architecture (an imported AutoAWQ folder too). Runs on the calling thread.
#include "core/base/job_context.h"
#include "core/model/model.h"

#include <ATen/Tensor.h>
#include <string>
#include <vector>

namespace awb {

struct LayerErrorMap {
    std::vector<std::string> linears; // column names: q_proj k_proj v_proj o_proj gate_proj up_proj down_proj
    at::Tensor relError;              // fp64 [blocks, linears]
};

// F's input to every block on the given tokens: what any number of Q are measured on, computed once
// (a sweep shares it across its points). Plain tensors; safe to share read-only between threads.
struct FpBlockInputs {
    at::Tensor tokens;              // int64 [n, T]
    std::vector<at::Tensor> inputs; // fp32 [n, T, dim] per block
};
FpBlockInputs captureFpBlockInputs(const Model& fp, const at::Tensor& tokens);

// tokens: int64 [n, T] (e.g. calibration blocks). Throws ShapeError when the models' shapes differ
// (beyond an FFN that Q pads with zero channels, as AutoAWQ folders may).
// job: progress per block, stage "layer error".
LayerErrorMap layerErrors(const Model& fp, const Model& q, const at::Tensor& tokens, JobContext* job = nullptr);
LayerErrorMap layerErrors(const Model& fp, const Model& q, const FpBlockInputs& fpInputs, JobContext* job = nullptr);

} // namespace awb
