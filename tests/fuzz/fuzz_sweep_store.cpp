// libFuzzer target: a sweep store (core/store/stored_sweep.h), read in depth as the workbench reads
// a stored sweep when it is reopened and as `awb report` reads it: the header, the points table, F's
// series and every point's drift groups (the same groups as a diagnose report), gates, timings and
// AWQ search. Any bytes: only awb::Error may come out, and every row must come back with its point.
#include "core/base/error.h"
#include "fuzz_input.h"
#include "store_invariants.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const awb::fuzz::ShmFile file(data, size);
    try {
        awb::fuzz::readSweepChecked(file.path());
    } catch (const awb::Error&) {
    }
    return 0;
}
