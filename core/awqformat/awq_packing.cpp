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
    at::Tensor qweight, qzeros, scales; // contiguous; scales as fp16; qweight in `words`
    int64_t K, N, group;
    Int4Words words = Int4Words::AutoAwq;
};

// qzeros and scales of a linear of K inputs (Checked without its qweight).
Checked checkGroups(int64_t K, const at::Tensor& qzeros, const at::Tensor& scales, int64_t groupSize)
{
    requireCpu(scales, "scales");
    if (scales.dim() != 2 || !at::isFloatingType(scales.scalar_type()))
        throw ShapeError("scales: expected a 2-D floating tensor [K/G, N], got " + shapeText(scales));
    Checked c;
    c.N = scales.size(1);
    c.K = K;
    c.group = awqGroupSize(c.K, c.N, groupSize);
    c.qzeros = packedInput(qzeros, "qzeros", c.N);
    if (c.qzeros.size(0) != c.K / c.group || scales.size(0) != c.K / c.group)
        throw ShapeError("qzeros " + shapeText(qzeros) + " and scales " + shapeText(scales) + " need K/G = " +
                         std::to_string(c.K / c.group) + " rows for K=" + std::to_string(c.K) +
                         " and group size " + std::to_string(groupSize));
    c.scales = scales.to(at::kHalf).contiguous();
    return c;
}

Checked checkQuantized(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales,
                       int64_t groupSize)
{
    requireCpu(qweight, "qweight");
    if (qweight.dim() != 2)
        throw ShapeError("qweight: expected [K, N/8], got " + shapeText(qweight));
    Checked c = checkGroups(qweight.size(0), qzeros, scales, groupSize);
    c.qweight = packedInput(qweight, "qweight", c.N);
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

at::Tensor tileAwqQweight(const at::Tensor& qweight)
{
    requireCpu(qweight, "qweight");
    if (qweight.dim() != 2 || qweight.scalar_type() != at::kInt)
        throw ShapeError("qweight: expected int32 [K, N/8], got " + shapeText(qweight));
    const int64_t K = qweight.size(0), words = qweight.size(1), tiles = (words + 7) / 8;
    // One pass into one new tensor: a loader tiles every linear of a model, and ATen's pad and
    // permuted copy left freed intermediates in the heap (~20 MB more peak RSS at the 135M shape).
    const at::Tensor q = qweight.contiguous();
    at::Tensor out = at::zeros({tiles, K, 8}, at::kInt);
    const int32_t* src = q.data_ptr<int32_t>();
    int32_t* dst = out.data_ptr<int32_t>();
    for (int64_t k = 0; k < K; ++k)
        for (int64_t w = 0; w < words; ++w)
            dst[tiledWordIndex(K, k, w)] = src[k * words + w];
    return out;
}

namespace {
// Throws unless tiles holds the words of a qweight of N columns: contiguous int32 [ceil(N/64), K, 8].
void checkTiles(const at::Tensor& tiles, int64_t N)
{
    requireCpu(tiles, "qweight tiles");
    if (tiles.dim() != 3 || tiles.scalar_type() != at::kInt || tiles.size(2) != 8 || N % 8 != 0 ||
        tiles.size(0) != (N / 8 + 7) / 8 || !tiles.is_contiguous())
        throw ShapeError("qweight tiles: expected contiguous int32 [" + std::to_string((N / 8 + 7) / 8) + ", K, 8] for N=" +
                         std::to_string(N) + ", got " + shapeText(tiles));
}
} // namespace

at::Tensor untileAwqQweight(const at::Tensor& tiles, int64_t N)
{
    checkTiles(tiles, N);
    return tiles.permute({1, 0, 2}).reshape({tiles.size(1), -1}).narrow(1, 0, N / 8).contiguous();
}

PackedInt4Linear packedInt4Linear(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales,
                                  int64_t groupSize)
{
    const Checked c = checkQuantized(qweight, qzeros, scales, groupSize);
    return {tileAwqQweight(c.qweight), c.qzeros, c.scales, groupSize};
}

namespace {
Checked checkPacked(const PackedInt4Linear& w)
{
    const at::Tensor& t = w.qweightTiles;
    requireCpu(t, "qweight tiles");
    if (t.dim() != 3)
        throw ShapeError("qweight tiles: expected [tiles, K, 8], got " + shapeText(t));
    Checked c = checkGroups(t.size(1), w.qzeros, w.scales, w.groupSize); // K from the tiles
    checkTiles(t, c.N);
    c.qweight = t;
    c.words = Int4Words::Tiles;
    return c;
}

at::Tensor dequantizeChecked(const Checked& c)
{
    return dequantizeAwq(c.words == Int4Words::Tiles ? untileAwqQweight(c.qweight, c.N) : c.qweight, c.qzeros, c.scales,
                         c.group);
}

std::vector<at::Tensor> checkedLinears(const at::Tensor& x, const std::vector<Checked>& checked)
{
    requireCpu(x, "x");
    for (const Checked& c : checked)
        if (x.dim() < 1 || x.size(-1) != c.K)
            throw ShapeError("int4Linear: x " + shapeText(x) + " must end in K=" + std::to_string(c.K));
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
                                ys.back().data_ptr<float>(), c.words});
        } else {
            ys.push_back(at::linear(xf, dequantizeChecked(c)));
        }
    }
    if (!operands.empty())
        int4GemvCpuMany(xf.data_ptr<float>(), rows, K, operands);
    for (at::Tensor& y : ys)
        if (y.scalar_type() != x.scalar_type())
            y = y.to(x.scalar_type());
    return ys;
}
} // namespace

at::Tensor dequantizeAwqTransposed(const PackedInt4Linear& w)
{
    const Checked c = checkPacked(w);
    return dequantizeAwqTransposed(untileAwqQweight(c.qweight, c.N), c.qzeros, c.scales, c.group);
}

at::Tensor int4Linear(const at::Tensor& x, const at::Tensor& qweight, const at::Tensor& qzeros,
                      const at::Tensor& scales, int64_t groupSize)
{
    return checkedLinears(x, {checkQuantized(qweight, qzeros, scales, groupSize)}).front();
}

std::vector<at::Tensor> int4Linears(const at::Tensor& x, const std::vector<const PackedInt4Linear*>& weights)
{
    std::vector<Checked> checked;
    for (const PackedInt4Linear* w : weights)
        checked.push_back(checkPacked(*w));
    return checkedLinears(x, checked);
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
