#include "core/awqformat/awq_import.h"

#include "core/awqformat/awq_packing.h"
#include "core/base/error.h"
#include "core/base/mapped_file.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cctype>

namespace awb {

namespace {
std::string lowered(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
}
} // namespace

AwqImport parseAwqQuantizationConfig(const nlohmann::json& qc, const std::string& file)
{
    const std::string f = "quantization_config";
    if (!qc.is_object())
        throw FormatError(file, f, "must be an object");
    const std::string method = qc.contains("quant_method") && qc["quant_method"].is_string() ? qc["quant_method"].get<std::string>() : "";
    if (lowered(method) != "awq")
        throw FormatError(file, f + ".quant_method", "\"" + method + "\" is not supported (only AutoAWQ checkpoints: quant_method \"awq\", version \"gemm\")");
    // AutoAWQ's default version is gemm; gemv/marlin/exllama store other layouts
    const std::string version = qc.contains("version") && qc["version"].is_string() ? qc["version"].get<std::string>() : "gemm";
    if (lowered(version) != "gemm")
        throw FormatError(file, f + ".version", "\"" + version + "\" is not supported (only the GEMM layout)");
    auto integer = [&](const char* key, const char* alt, int64_t fallback) {
        const char* k = qc.contains(key) ? key : qc.contains(alt) ? alt : nullptr;
        if (!k)
            return fallback;
        if (!qc[k].is_number_integer())
            throw FormatError(file, f + "." + k, "must be an integer");
        return qc[k].get<int64_t>();
    };
    AwqImport a;
    const int64_t bits = integer("bits", "w_bit", 4);
    if (bits < 1 || bits > 32) // checked before the narrowing below
        throw FormatError(file, f + ".bits", std::to_string(bits) + " is not a bit width");
    a.bits = static_cast<int>(bits);
    a.groupSize = integer("group_size", "q_group_size", 128);
    if (a.groupSize == 0 || a.groupSize < -1)
        throw FormatError(file, f + ".group_size", std::to_string(a.groupSize) + " is not a group size (-1 or positive)");
    if (qc.contains("awb_extension") && !qc["awb_extension"].is_string())
        throw FormatError(file, f + ".awb_extension", "must be a string, not " + qc["awb_extension"].dump());
    const std::string extension = qc.value("awb_extension", std::string());
    if (a.bits != 4 && (32 % std::max(a.bits, 1) != 0 || a.bits < 2 || extension != "packed-" + std::to_string(a.bits) + "bit"))
        throw FormatError(file, f + ".bits", std::to_string(a.bits) + "-bit weights are not in the AutoAWQ GEMM format (4 bits only)");
    if (qc.contains("zero_point") && qc["zero_point"].is_boolean())
        a.zeroPoint = qc["zero_point"].get<bool>();
    if (qc.contains("modules_to_not_convert") && !qc["modules_to_not_convert"].is_null()) {
        if (!qc["modules_to_not_convert"].is_array())
            throw FormatError(file, f + ".modules_to_not_convert", "must be a list of module names");
        for (const auto& name : qc["modules_to_not_convert"])
            if (name.is_string())
                a.notConverted.push_back(name.get<std::string>());
    }
    return a;
}

std::string AwqImport::weightDtypeLabel() const
{
    return "AWQ-W" + std::to_string(bits) + "-G" + std::to_string(groupSize) + (zeroPoint ? "" : "-SYM");
}

// A linear of an AWQ checkpoint: qweight/qzeros/scales dequantized on the CPU, or (for layers in
// modules_to_not_convert) the plain weight. Dequantized weights are fp16: (code - zero) * scale is
// computed exactly in fp32 and rounded once to fp16, which is bit for bit what AutoAWQ's
// dequantize_gemm (fp16 arithmetic) gives, and it keeps the imported model at the memory of an fp16
// checkpoint; the forward pass upcasts block by block anyway.
at::Tensor loadAwqLinear(const ShardSet& shards, const std::string& prefix, const AwqImport& a)
{
    if (!shards.contains(prefix + ".qweight")) {
        if (shards.contains(prefix + ".weight"))
            return shards.get(prefix + ".weight");
        throw FormatError(shards.source(), prefix + ".qweight", "tensor not found (nor an unquantized " + prefix + ".weight)");
    }
    const at::Tensor qweight = shards.get(prefix + ".qweight");
    const at::Tensor qzeros = shards.get(prefix + ".qzeros");
    const at::Tensor scales = shards.get(prefix + ".scales");
    try {
        if (scales.dim() != 2)
            throw ShapeError("scales must be [in/group, out]");
        if (a.bits == 4)
            return dequantizeAwq(qweight, qzeros, scales, a.groupSize).to(at::kHalf);
        // awb's packed-Nbit extension (see core/awqformat/awq_export.h)
        const int64_t N = scales.size(1), K = qweight.size(0), groups = scales.size(0);
        if (groups <= 0 || K % groups != 0 || (a.groupSize > 0 && K / groups != a.groupSize) || qzeros.size(0) != groups)
            throw ShapeError("qweight/qzeros/scales rows do not fit group size " + std::to_string(a.groupSize));
        const at::Tensor codes = unpackNbitColumns(qweight, N, a.bits).to(at::kFloat);  // [K, N]
        const at::Tensor zeros = unpackNbitColumns(qzeros, N, a.bits).to(at::kFloat);   // [groups, N]
        const at::Tensor sc = scales.to(at::kHalf).to(at::kFloat);
        const int64_t g = K / groups;
        return ((codes - zeros.repeat_interleave(g, 0)) * sc.repeat_interleave(g, 0)).t().to(at::kHalf).contiguous();
    } catch (const ShapeError& e) {
        throw FormatError(shards.source(), prefix, e.what());
    }
}

std::optional<PackedInt4Linear> loadAwqPackedLinear(const ShardSet& shards, const std::string& prefix, const AwqImport& a)
{
    if (a.bits != 4 || !shards.contains(prefix + ".qweight"))
        return std::nullopt;
    const at::Tensor qweight = shards.get(prefix + ".qweight");
    PackedInt4Linear p;
    try {
        p = packedInt4Linear(qweight, shards.get(prefix + ".qzeros"), shards.get(prefix + ".scales"), a.groupSize);
    } catch (const ShapeError& e) {
        throw FormatError(shards.source(), prefix, e.what());
    }
    // The tiles are a copy: the file's pages of qweight, read once, leave the resident set (the
    // scales and zeros stay views of the mapped file).
    MappedFile::releasePages(qweight.data_ptr(), size_t(qweight.nbytes()));
    return p;
}

} // namespace awb
