// libFuzzer target: an AWQ result file (core/store/result_store.h), read as `awb quantize
// --apply-results` reads it. Any bytes: libhdf5 parses the container, our reader checks what it
// declares (extents against stored bytes, attribute ranges, ranks). Only awb::Error may come out,
// and what loads must be what the applier indexes: non-empty 1-D scales and 2-D clip tables.
#include "core/base/error.h"
#include "core/store/result_store.h"
#include "fuzz_input.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const awb::fuzz::ShmFile file(data, size);
    try {
        const awb::AwqResult r = awb::loadAwqResult(file.path());
        for (const awb::BlockAwqResult& b : r.blocks) {
            for (const awb::ScaleSearch& s : b.scales)
                if (s.scales.dim() != 1 || s.scales.numel() == 0)
                    std::abort();
            for (const awb::ClipSearch& c : b.clips)
                if (c.maxVal.dim() != 2 || c.maxVal.numel() == 0)
                    std::abort();
        }
    } catch (const awb::Error&) {
    }
    return 0;
}
