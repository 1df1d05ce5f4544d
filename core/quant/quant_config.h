#pragma once
// QuantConfig: the integer format a linear's weights are quantized to.
#include <cstdint>
#include <string>

namespace awb {

struct QuantConfig {
    int wBit = 4;            // 2..8
    int64_t groupSize = 128; // -1 = one group per output channel (the whole input row)
    bool zeroPoint = true;   // asymmetric with zero point, else symmetric

    // Throws ArgumentError naming the setting when impossible.
    void validate() const;
    // Group size actually used for a row of `inFeatures` inputs.
    int64_t effectiveGroup(int64_t inFeatures) const { return groupSize > 0 ? groupSize : inFeatures; }
    std::string label() const; // e.g. "w4 g128 zp"
};

} // namespace awb
