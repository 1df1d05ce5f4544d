// libFuzzer target: config.json of a Hugging Face folder (both layouts, RoPE variants). Invalid JSON
// is the JSON library's business (readJsonFile turns it into a FormatError); from valid JSON on, only
// awb::Error may come out of the reader.
#include "core/base/error.h"
#include "core/io/hf_config.h"

#include <nlohmann/json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    nlohmann::json j = nlohmann::json::parse(data, data + size, nullptr, false);
    if (j.is_discarded())
        return 0;
    try {
        const awb::ModelConfig c = awb::readHfConfig(j, "config.json");
        (void)awb::toJson(c); // what inspect prints from it
    } catch (const awb::Error&) {
    }
    return 0;
}
