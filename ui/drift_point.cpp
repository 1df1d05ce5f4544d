#include "ui/drift_point.h"

namespace awb::ui {

int DriftPointData::gatesPassed() const
{
    int n = 0;
    for (const GateData& g : gates)
        n += g.pass ? 1 : 0;
    return n;
}

double bitsPerWeight(int wBit, int64_t groupSize, bool zeroPoint, int64_t inFeatures)
{
    const int64_t group = groupSize > 0 ? groupSize : inFeatures;
    if (group <= 0)
        return wBit;
    // AutoAWQ stores an fp16 scale per group and, with a zero point, a packed w_bit zero.
    return wBit + (16.0 + (zeroPoint ? wBit : 0)) / double(group);
}

const char* lambdaSymbol(int label)
{
    switch (label) {
    case 0: return "→";
    case 1: return "×";
    case 2: return "←";
    default: return "↺";
    }
}

const char* lambdaName(int label)
{
    switch (label) {
    case 0: return "convergent";
    case 1: return "chaotic";
    case 2: return "divergent";
    default: return "recursive";
    }
}

} // namespace awb::ui
