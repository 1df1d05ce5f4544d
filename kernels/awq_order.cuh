#pragma once
// AutoAWQ's nibble order inside a packed int32 (core/awqformat/int4_reference.h has the layout facts), for
// device code. Nibble i of a word holds column awqOrder(i) of its 8: [0, 2, 4, 6, 1, 3, 5, 7];
// awqReverse(c) is the nibble of column c: [0, 4, 1, 5, 2, 6, 3, 7].
namespace awb {

__device__ __forceinline__ constexpr int awqOrder(int i) { return (i & 3) * 2 + (i >> 2); }
__device__ __forceinline__ constexpr int awqReverse(int c) { return (c >> 1) + 4 * (c & 1); }

} // namespace awb
