#include "core/quant/quantizer.h"

#include "core/base/cpu_features.h"
#include "core/base/error.h"
#include "core/model/decode_gemv.h"
#include "core/quant/group_quant_kernel.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

namespace awb {

void QuantConfig::validate() const
{
    if (wBit < 2 || wBit > 8)
        throw ArgumentError("--w-bit " + std::to_string(wBit) + " is outside 2..8");
    if (groupSize != -1 && (groupSize <= 0 || groupSize % 8 != 0))
        throw ArgumentError("--group-size " + std::to_string(groupSize) + " must be -1 (per output channel) or a positive multiple of 8");
}

std::string QuantConfig::label() const
{
    return "w" + std::to_string(wBit) + " g" + std::to_string(groupSize) + (zeroPoint ? " zp" : " sym");
}

QuantConfig QuantSettings::complete() const
{
    if (!wBit)
        throw ArgumentError("--w-bit is required");
    if (!groupSize)
        throw ArgumentError("--group-size is required");
    QuantConfig q;
    q.wBit = *wBit;
    q.groupSize = *groupSize;
    q.zeroPoint = zeroPoint.value_or(true);
    q.validate();
    return q;
}

QuantConfig QuantSettings::agreeWith(const QuantConfig& stored, const std::string& source) const
{
    QuantConfig asked = stored;
    asked.wBit = wBit.value_or(stored.wBit);
    asked.groupSize = groupSize.value_or(stored.groupSize);
    asked.zeroPoint = zeroPoint.value_or(stored.zeroPoint);
    if (asked.wBit != stored.wBit || asked.groupSize != stored.groupSize || asked.zeroPoint != stored.zeroPoint)
        throw ArgumentError(source + " was searched for " + stored.label() + ", not " + asked.label());
    return stored;
}

at::Tensor groupView(const at::Tensor& w, int64_t group)
{
    const int64_t in = w.size(1);
    const int64_t padded = (in + group - 1) / group * group;
    at::Tensor x = padded == in ? w : at::constant_pad_nd(w, {0, padded - in});
    return x.reshape({w.size(0), padded / group, group});
}

namespace {
// scales/zeros of each group [out, groups, 1] (llm-awq's formulas)
void groupParams(const at::Tensor& g, const QuantConfig& c, at::Tensor& scales, at::Tensor& zeros, double& minInt, double& maxInt)
{
    if (c.zeroPoint) {
        maxInt = (1 << c.wBit) - 1;
        minInt = 0;
        at::Tensor maxVal = g.amax(-1, true), minVal = g.amin(-1, true);
        scales = (maxVal - minVal).clamp_min(1e-5) / maxInt;
        zeros = (-at::round(minVal / scales)).clamp(minInt, maxInt);
    } else {
        maxInt = (1 << (c.wBit - 1)) - 1;
        minInt = -(1 << (c.wBit - 1));
        scales = g.abs().amax(-1, true).clamp_min(1e-5) / maxInt;
        zeros = at::zeros_like(scales);
    }
}

// The libtorch expressions of the pseudo-quantizer: the definition the fused kernel matches bit for
// bit, and the path for what the kernel does not take.
at::Tensor pseudoQuantizeTorch(const at::Tensor& w, const QuantConfig& c)
{
    const int64_t group = c.effectiveGroup(w.size(1));
    at::Tensor g = groupView(w, group);
    at::Tensor scales, zeros;
    double minInt, maxInt;
    groupParams(g, c, scales, zeros, minInt, maxInt);
    // In place after the first division: one temporary the size of w instead of six (a TinyLlama
    // MLP weight is 46 MB in fp32, and the AWQ search quantizes one per alpha trial).
    at::Tensor q = g / scales;
    q.round_().add_(zeros).clamp_(minInt, maxInt).sub_(zeros).mul_(scales);
    return q.reshape({w.size(0), -1}).slice(1, 0, w.size(1));
}

// The fused kernel (core/quant/group_quant_avx2.cpp) takes contiguous fp32 rows split into whole
// groups of a multiple of 8 on an AVX2 CPU; its optional inputs must be contiguous fp32 too.
bool fusedTakes(const at::Tensor& w, const QuantConfig& c, std::initializer_list<at::Tensor> extras)
{
    const int64_t group = c.effectiveGroup(w.size(1));
    bool takes = cpuHasAvx2() && w.dim() == 2 && w.scalar_type() == at::kFloat && w.is_contiguous() && w.numel() > 0
        && group % 8 == 0 && w.size(1) % group == 0;
    for (const at::Tensor& t : extras)
        takes = takes && t.scalar_type() == at::kFloat && t.is_contiguous();
    return takes;
}

at::Tensor pseudoQuantizeFused(const at::Tensor& w, const QuantConfig& c, const at::Tensor& columnScale, const at::Tensor& clip)
{
    at::Tensor out = at::empty_like(w);
    detail::GroupQuantArgs a;
    a.weight = w.data_ptr<float>();
    a.out = out.data_ptr<float>();
    a.in = w.size(1);
    a.group = c.effectiveGroup(w.size(1));
    a.columnScale = columnScale.defined() ? columnScale.data_ptr<float>() : nullptr;
    a.clip = clip.defined() ? clip.data_ptr<float>() : nullptr;
    a.zeroPoint = c.zeroPoint;
    a.bits = c.wBit;
    at::parallel_for(0, w.size(0), std::max<int64_t>(1, (int64_t(1) << 16) / a.in),
                     [&](int64_t begin, int64_t end) { detail::pseudoQuantizeRowsAvx2(a, begin, end); });
    return out;
}
} // namespace

at::Tensor pseudoQuantize(const at::Tensor& w, const QuantConfig& c)
{
    return fusedTakes(w, c, {}) ? pseudoQuantizeFused(w, c, {}, {}) : pseudoQuantizeTorch(w, c);
}

at::Tensor pseudoQuantizeScaled(const at::Tensor& w, const at::Tensor& columnScale, const QuantConfig& c)
{
    if (columnScale.dim() == 1 && columnScale.size(0) == w.size(1) && fusedTakes(w, c, {columnScale}))
        return pseudoQuantizeFused(w, c, columnScale, {});
    return pseudoQuantizeTorch(w * columnScale, c) / columnScale;
}

at::Tensor pseudoQuantizeClipped(const at::Tensor& w, const at::Tensor& maxVal, const QuantConfig& c)
{
    const int64_t groups = (w.size(1) + c.effectiveGroup(w.size(1)) - 1) / c.effectiveGroup(w.size(1));
    if (maxVal.dim() == 2 && maxVal.size(0) == w.size(0) && maxVal.size(1) == groups && fusedTakes(w, c, {maxVal}))
        return pseudoQuantizeFused(w, c, {}, maxVal);
    const at::Tensor bound = maxVal.unsqueeze(-1);
    const at::Tensor clipped = at::max(at::min(groupView(w, c.effectiveGroup(w.size(1))), bound), -bound);
    return pseudoQuantizeTorch(clipped.reshape({w.size(0), -1}).slice(1, 0, w.size(1)), c);
}

QuantizedTensor quantizeWeight(const at::Tensor& w, const QuantConfig& c)
{
    const int64_t group = c.effectiveGroup(w.size(1));
    at::Tensor g = groupView(w, group);
    at::Tensor scales, zeros;
    double minInt, maxInt;
    groupParams(g, c, scales, zeros, minInt, maxInt);
    const double offset = c.zeroPoint ? 0.0 : static_cast<double>(1 << (c.wBit - 1));
    QuantizedTensor q;
    q.codes = ((at::round(g / scales) + zeros).clamp(minInt, maxInt) + offset).to(at::kByte).reshape({w.size(0), -1});
    q.scales = scales.squeeze(-1);
    q.zeros = (zeros + offset).to(at::kByte).squeeze(-1);
    q.inFeatures = w.size(1);
    q.groupSize = group;
    q.bits = c.wBit;
    return q;
}

std::optional<QuantCodes> decodeCodes(const at::Tensor& w, const at::Tensor& quantized, const QuantConfig& c)
{
    if (!quantized.is_contiguous() || !decodeGemvTakesGroups(c.effectiveGroup(w.size(1)), w.size(1)))
        return std::nullopt; // a padded group's slice (which decodes through the GEMM), or groups the kernel does not take
    const QuantizedTensor q = quantizeWeight(w, c);
    const at::Tensor signedCodes = (q.codes.to(at::kShort) - q.zeros.to(at::kShort).repeat_interleave(q.groupSize, 1)).slice(1, 0, q.inFeatures);
    if (signedCodes.min().item<int>() < -128 || signedCodes.max().item<int>() > 127)
        return std::nullopt;
    QuantCodes codes{quantized, signedCodes.to(at::kChar).contiguous(), q.scales.contiguous(), q.groupSize};
    const at::Tensor back = codes.codes.to(at::kFloat) * codes.scales.repeat_interleave(q.groupSize, 1).slice(1, 0, q.inFeatures);
    if (!at::equal(back, quantized))
        return std::nullopt;
    return codes;
}

at::Tensor QuantizedTensor::dequantize() const
{
    const int64_t out = codes.size(0);
    at::Tensor g = codes.to(at::kFloat).reshape({out, -1, groupSize});
    at::Tensor w = (g - zeros.to(at::kFloat).unsqueeze(-1)) * scales.unsqueeze(-1);
    return w.reshape({out, -1}).slice(1, 0, inFeatures);
}

} // namespace awb
