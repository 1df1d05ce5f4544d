#include "core/awqformat/awq_packing.h"

#include "core/base/error.h"
#include "core/awqformat/int4_gemv_cpu.h"
#include "core/awqformat/int4_reference.h"
#include "core/base/half.h"

#include <ATen/Parallel.h>
#include <string>
#include <vector>

namespace awb {

namespace {
std::string shapeText(const at::Tensor& t)
{
    std::string s = "[";
    for (int64_t i = 0; i < t.dim(); ++i)
        s += (i ? ", " : "") + std::to_string(t.size(i));
    return s + "]";
}

void requireCpu(const at::Tensor& t, const char* name)
{
    if (!t.defined())
        throw ShapeError(std::string(name) + ": undefined tensor");
    if (!t.device().is_cpu())
        throw ShapeError(std::string(name) + ": expected a CPU tensor");
}

// Integer codes -> contiguous uint8 after checking they fit in 4 bits.
at::Tensor toNibbles(const at::Tensor& t, const char* name)
{
    requireCpu(t, name);
    if (t.dim() != 2 || at::isFloatingType(t.scalar_type()) || t.scalar_type() == at::kBool)
        throw ShapeError(std::string(name) + ": expected a 2-D integer tensor, got " + shapeText(t));
    if (t.numel() > 0 && (t.min().item<int64_t>() < 0 || t.max().item<int64_t>() > 15))
        throw Error(std::string(name) + ": values must be 4-bit codes in 0..15");
    return t.to(at::kByte).contiguous();
}

at::Tensor packedInput(const at::Tensor& t, const char* name, int64_t N)
{
    requireCpu(t, name);
    if (t.dim() != 2 || t.scalar_type() != at::kInt || t.size(1) * 8 != N)
        throw ShapeError(std::string(name) + ": expected int32 [rows, " + std::to_string(N / 8) + "], got " +
                         shapeText(t) + " " + std::string(c10::toString(t.scalar_type())));
    return t.contiguous();
}

struct Checked {
    at::Tensor qweight, qzeros, scales; // contiguous; scales as fp16
    int64_t K, N, group;
};

Checked checkQuantized(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales,
                       int64_t groupSize)
{
    requireCpu(scales, "scales");
    if (scales.dim() != 2 || !at::isFloatingType(scales.scalar_type()))
        throw ShapeError("scales: expected a 2-D floating tensor [K/G, N], got " + shapeText(scales));
    Checked c;
    c.N = scales.size(1);
    requireCpu(qweight, "qweight");
    if (qweight.dim() != 2)
        throw ShapeError("qweight: expected [K, N/8], got " + shapeText(qweight));
    c.K = qweight.size(0);
    c.group = awqGroupSize(c.K, c.N, groupSize);
    c.qweight = packedInput(qweight, "qweight", c.N);
    c.qzeros = packedInput(qzeros, "qzeros", c.N);
    if (c.qzeros.size(0) != c.K / c.group || scales.size(0) != c.K / c.group)
        throw ShapeError("qzeros " + shapeText(qzeros) + " and scales " + shapeText(scales) + " need K/G = " +
                         std::to_string(c.K / c.group) + " rows for K=" + std::to_string(c.K) +
                         " and group size " + std::to_string(groupSize));
    c.scales = scales.to(at::kHalf).contiguous();
    return c;
}
} // namespace

at::Tensor packAwqQweight(const at::Tensor& codes)
{
    const at::Tensor c = toNibbles(codes, "codes");
    const int64_t N = c.size(0), K = c.size(1);
    awqGroupSize(K, N, -1);
    at::Tensor out = at::empty({K, N / 8}, at::kInt);
    packAwqWeight(c.data_ptr<uint8_t>(), N, K, out.data_ptr<int32_t>());
    return out;
}

at::Tensor packAwqQzeros(const at::Tensor& zeros)
{
    const at::Tensor z = toNibbles(zeros, "zeros");
    const int64_t N = z.size(0), groups = z.size(1);
    awqGroupSize(groups, N, -1);
    at::Tensor out = at::empty({groups, N / 8}, at::kInt);
    packAwqZeros(z.data_ptr<uint8_t>(), N, groups, out.data_ptr<int32_t>());
    return out;
}

at::Tensor unpackAwqCodes(const at::Tensor& qweight, int64_t N)
{
    awqGroupSize(1, N, -1);
    const at::Tensor q = packedInput(qweight, "qweight", N);
    at::Tensor codes = at::empty({N, q.size(0)}, at::kByte);
    if (q.size(0) > 0)
        unpackAwqWeight(q.data_ptr<int32_t>(), q.size(0), N, codes.data_ptr<uint8_t>());
    return codes.to(at::kInt);
}

at::Tensor unpackAwqZeros(const at::Tensor& qzeros, int64_t N)
{
    awqGroupSize(1, N, -1);
    const at::Tensor q = packedInput(qzeros, "qzeros", N);
    at::Tensor zeros = at::empty({N, q.size(0)}, at::kByte);
    if (q.size(0) > 0)
        unpackAwqZeros(q.data_ptr<int32_t>(), q.size(0), N, zeros.data_ptr<uint8_t>());
    return zeros.to(at::kInt);
}

at::Tensor dequantizeAwqTransposed(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales,
                                   int64_t groupSize)
{
    const Checked c = checkQuantized(qweight, qzeros, scales, groupSize);
    const int64_t words = c.N / 8;
    at::Tensor out = at::empty({c.K, c.N}, at::kFloat);
    const int32_t* qw = c.qweight.data_ptr<int32_t>();
    const int32_t* qz = c.qzeros.data_ptr<int32_t>();
    const uint16_t* sc = reinterpret_cast<const uint16_t*>(c.scales.data_ptr<at::Half>());
    float* o = out.data_ptr<float>();
    // One pass in the packed order (row k of qweight -> row k of W^T), a prefill dequantizes a whole
    // model per batch of windows: ~10x faster than the whole-tensor ATen ops that did this before.
    // Nibble kAwqReverseOrder[c] of word j is column 8j + c.
    at::parallel_for(0, c.K, c.group, [&](int64_t k0, int64_t k1) {
        std::vector<float> zero(size_t(c.N)), scale(size_t(c.N));
        int64_t loaded = -1; // the group whose zeros and scales are in the rows above
        for (int64_t k = k0; k < k1; ++k) {
            const int64_t g = k / c.group;
            if (g != loaded) {
                for (int64_t n = 0; n < c.N; ++n) {
                    const uint32_t z = uint32_t(qz[g * words + n / 8]);
                    zero[size_t(n)] = float((z >> (4 * kAwqReverseOrder[n % 8])) & 0xfu);
                    scale[size_t(n)] = halfToFloat(sc[g * c.N + n]);
                }
                loaded = g;
            }
            const int32_t* row = qw + k * words;
            float* dst = o + k * c.N;
            for (int64_t j = 0; j < words; ++j) {
                const uint32_t w = uint32_t(row[j]);
                for (int col = 0; col < 8; ++col) {
                    const size_t n = size_t(8 * j + col);
                    // (code - zero) * scale: exact in fp32 (a 5-bit integer times an fp16 value)
                    dst[n] = (float((w >> (4 * kAwqReverseOrder[col])) & 0xfu) - zero[n]) * scale[n];
                }
            }
        }
    });
    return out;
}

at::Tensor dequantizeAwq(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales,
                         int64_t groupSize)
{
    return dequantizeAwqTransposed(qweight, qzeros, scales, groupSize).t().contiguous();
}

void checkAwqLinear(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales, int64_t groupSize)
{
    checkQuantized(qweight, qzeros, scales, groupSize);
}

at::Tensor int4Linear(const at::Tensor& x, const at::Tensor& qweight, const at::Tensor& qzeros,
                      const at::Tensor& scales, int64_t groupSize)
{
    const PackedInt4Linear w{qweight, qzeros, scales, groupSize};
    return int4Linears(x, {&w}).front();
}

std::vector<at::Tensor> int4Linears(const at::Tensor& x, const std::vector<const PackedInt4Linear*>& weights)
{
    requireCpu(x, "x");
    std::vector<Checked> checked;
    for (const PackedInt4Linear* w : weights) {
        checked.push_back(checkQuantized(w->qweight, w->qzeros, w->scales, w->groupSize));
        if (x.dim() < 1 || x.size(-1) != checked.back().K)
            throw ShapeError("int4Linear: x " + shapeText(x) + " must end in K=" + std::to_string(checked.back().K));
    }
    const int64_t K = x.size(-1);
    const at::Tensor xf = x.to(at::kFloat).contiguous();
    const int64_t rows = xf.numel() / K;
    std::vector<int64_t> outShape(x.sizes().begin(), x.sizes().end());
    std::vector<at::Tensor> ys;
    std::vector<Int4GemvOperand> operands;
    for (const Checked& c : checked) {
        outShape.back() = c.N;
        if (rows >= 1 && rows <= kInt4GemvMaxRows) {
            ys.push_back(at::empty(outShape, at::kFloat));
            operands.push_back({c.qweight.data_ptr<int32_t>(), c.qzeros.data_ptr<int32_t>(),
                                reinterpret_cast<const uint16_t*>(c.scales.data_ptr<at::Half>()), c.N, c.group,
                                ys.back().data_ptr<float>()});
        } else {
            ys.push_back(at::linear(xf, dequantizeAwq(c.qweight, c.qzeros, c.scales, c.group)));
        }
    }
    if (!operands.empty())
        int4GemvCpuMany(xf.data_ptr<float>(), rows, K, operands);
    for (at::Tensor& y : ys)
        if (y.scalar_type() != x.scalar_type())
            y = y.to(x.scalar_type());
    return ys;
}

at::Tensor packNbitColumns(const at::Tensor& values, int bits)
{
    const int perWord = 32 / bits;
    if (values.dim() != 2 || values.size(1) % perWord != 0)
        throw ShapeError("packed-" + std::to_string(bits) + "bit: columns must be a multiple of " + std::to_string(perWord));
    // int64 arithmetic, then the low 32 bits reinterpreted: a code in the top bits sets the sign bit
    const at::Tensor v = values.to(at::kLong).reshape({values.size(0), values.size(1) / perWord, perWord});
    const at::Tensor shifts = at::arange(0, perWord, at::kLong) * bits;
    at::Tensor words = at::bitwise_left_shift(v, shifts).sum(-1);
    words = at::where(words >= (int64_t(1) << 31), words - (int64_t(1) << 32), words);
    return words.to(at::kInt).contiguous();
}

at::Tensor unpackNbitColumns(const at::Tensor& packed, int64_t columns, int bits)
{
    const int perWord = 32 / bits;
    if (packed.dim() != 2 || packed.scalar_type() != at::kInt || packed.size(1) * perWord != columns)
        throw ShapeError("packed-" + std::to_string(bits) + "bit: expected int32 [rows, " + std::to_string(columns / perWord) + "]");
    const at::Tensor shifts = at::arange(0, perWord, at::kLong) * bits;
    const at::Tensor words = packed.to(at::kLong).bitwise_and(int64_t(0xffffffff)).unsqueeze(-1);
    return at::bitwise_right_shift(words, shifts).bitwise_and((1 << bits) - 1).reshape({packed.size(0), columns}).to(at::kInt);
}

} // namespace awb
