// libFuzzer target: an AWQ result file (core/store/result_store.h), read as `awb quantize
// --apply-results` reads it. Any bytes: libhdf5 parses the container, our reader checks what it
// declares (extents against stored bytes, attribute ranges, ranks). Only awb::Error may come out,
// and what loads must be what the applier indexes: non-empty 1-D scales and 2-D clip tables.
#include "core/base/error.h"
#include "fuzz_input.h"
#include "store_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const awb::fuzz::ShmFile file(data, size);
    try {
        awb::fuzz::loadResultChecked(file.path());
    } catch (const awb::Error&) {
    }
    return 0;
}
