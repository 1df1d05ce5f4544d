#pragma once
// QuantConfig: the integer format a linear's weights are quantized to.
#include <cstdint>
#include <optional>
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

// Settings as a user gave them, some perhaps unset: a job completes them from defaults or from a
// stored result. The one rule for re-applying a result (quantize --apply-results, export): every
// setting given must equal the stored one.
struct QuantSettings {
    std::optional<int> wBit;
    std::optional<int64_t> groupSize;
    std::optional<bool> zeroPoint; // default true

    // All settings, validated; throws ArgumentError naming a missing or impossible one.
    QuantConfig complete() const;
    // The stored settings; throws ArgumentError naming `source` when a given setting differs.
    QuantConfig agreeWith(const QuantConfig& stored, const std::string& source) const;
};

} // namespace awb
