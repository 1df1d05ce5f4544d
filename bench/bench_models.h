#pragma once
// The F and Q models the λ and decode benches measure: F as stored (no tokenizer needed: the benches
// feed token ids), Q as `awb diagnose --w-bit 4 --group-size 64 --method rtn` makes it (fp32
// pseudo-quantized blocks with their int8 codes for decoding; `keepCodes` false: without them).
#include "core/io/model_loader.h"
#include "core/quant/awq_result.h"

#include <string>

namespace awb::bench {

inline Model loadBenchModel(const std::string& dir)
{
    LoadOptions lo;
    lo.requireTokenizer = false;
    return loadModel(dir, lo);
}

inline Model rtnW4G64(const Model& fp, bool keepCodes = true)
{
    AwqResult rtn;
    rtn.method = "rtn";
    rtn.quant.groupSize = 64;
    return applyAwqResult(fp, rtn, keepCodes);
}

} // namespace awb::bench
