// libFuzzer target: a workspace file (ui/workspace.h), read as the workbench's File > Open reads it.
// Invalid JSON included: only awb::Error may come out, and what loads must be usable as it is.
#include "core/base/error.h"
#include "fuzz_input.h"
#include "ui/workspace.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const awb::fuzz::MemoryFile file(data, size);
    try {
        const awb::ui::Workspace w = awb::ui::loadWorkspace(file.path());
        if (w.calibration.blocks < 1 || w.calibration.seqLen < 2)
            std::abort(); // the reader promised positive block counts and lengths
        for (const auto& s : w.calibration.sources)
            if (s.source.empty())
                std::abort();
    } catch (const awb::Error&) {
    }
    return 0;
}
