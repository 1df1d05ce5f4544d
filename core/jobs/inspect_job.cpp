#include "core/jobs/inspect_job.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

namespace awb {

ModelSummary inspectModel(const ModelSource& source)
{
    const Model m = source.load(/*requireTokenizer=*/false);
    ModelSummary s;
    s.path = m.sourcePath;
    s.format = m.sourceFormat;
    s.dtype = m.weightDtype;
    s.config = m.config;
    s.parameters = m.parameterCount();
    s.quantization = m.quantization;
    if (m.tokenizer) {
        s.tokenizerPath = m.tokenizer->path();
        s.tokenizerKind = m.tokenizer->kind();
        s.tokenizerVocab = m.tokenizer->vocabSize();
        s.bosId = m.tokenizer->bosId();
        s.eosId = m.tokenizer->eosId();
    }
    m.forEachTensor([&](const std::string& name, const at::Tensor& t) {
        s.tensors.push_back({name, t.sizes().vec(), c10::toString(t.scalar_type())});
    });
    return s;
}

nlohmann::json toJson(const ModelSummary& s)
{
    nlohmann::json out = toJson(s.config);
    out["path"] = s.path;
    out["format"] = s.format;
    out["dtype"] = s.dtype;
    out["parameters"] = s.parameters;
    out["quantization"] = s.quantization.empty() ? nlohmann::json() : nlohmann::json::parse(s.quantization);
    out["tokenizer"] = s.tokenizerPath.empty() ? nlohmann::json()
                                               : nlohmann::json{{"path", s.tokenizerPath}, {"kind", s.tokenizerKind},
                                                                {"vocab_size", s.tokenizerVocab}, {"bos_id", s.bosId},
                                                                {"eos_id", s.eosId}};
    nlohmann::json tensors = nlohmann::json::array();
    for (const auto& t : s.tensors)
        tensors.push_back({{"name", t.name}, {"shape", t.shape}, {"dtype", t.dtype}});
    out["tensors"] = tensors;
    return out;
}

} // namespace awb
