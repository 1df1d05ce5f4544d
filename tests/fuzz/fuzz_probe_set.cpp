// libFuzzer target: a probe set file (docs/probe-set-format.md), read as `awb diagnose --probes` reads
// it. Invalid JSON included: loadProbeSet must turn every malformed input into an awb::Error naming
// the file and the field; any other exception escapes and is a finding.
#include "core/base/error.h"
#include "core/eval/probe_set.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const awb::fuzz::MemoryFile file(data, size);
    try {
        const awb::ProbeSet set = awb::loadProbeSet(file.path());
        for (const awb::ProbeCase& c : set.cases) // what the diagnose job indexes with it
            (void)set.sections.at(static_cast<size_t>(c.targetIndex));
    } catch (const awb::Error&) {
    }
    return 0;
}
