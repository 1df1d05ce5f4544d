// libFuzzer target: the safetensors header (length, JSON, dtypes, shapes, offsets). Any exception
// other than awb::Error, any sanitizer report and any allocation above libFuzzer's limit is a finding.
#include "core/base/error.h"
#include "core/io/safetensors_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    try {
        const awb::SafetensorsHeader h = awb::parseSafetensorsHeader(data, size, "fuzz.safetensors");
        // what SafetensorsFile::tensor relies on: every range inside the file
        for (const auto& [name, info] : h.tensors)
            if (h.dataOffset + info.end > size || info.begin > info.end)
                __builtin_trap();
    } catch (const awb::Error&) {
    }
    return 0;
}
