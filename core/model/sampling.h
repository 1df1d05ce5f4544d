#pragma once
// Drawing the next token from a model's logits.

#include <ATen/core/Tensor.h>
#include <cstdint>

namespace awb {

// Picks the next token from fp32 logits [V]: argmax when temperature <= 0, else top-p sampling
// with the given random draw u in [0, 1). The nucleus is the shortest prefix of the tokens in
// descending probability (ties by ascending id) whose cumulative probability (summed in double,
// compared in fp32) reaches topP; u picks within it by the same running sum.
int64_t sampleToken(const at::Tensor& logits, double temperature, double topP, double u);

} // namespace awb
