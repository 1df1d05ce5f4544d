#pragma once
// Overflow-checked integer arithmetic for sizes read from files: a hostile header can declare any
// number, and a wrapped product looks like a small, valid size. Each returns false (leaving `out`
// unspecified) when the exact result does not fit the type.
#include <cstdint>

namespace awb {

template <typename T>
[[nodiscard]] bool checkedMul(T a, T b, T& out)
{
    return !__builtin_mul_overflow(a, b, &out);
}

template <typename T>
[[nodiscard]] bool checkedAdd(T a, T b, T& out)
{
    return !__builtin_add_overflow(a, b, &out);
}

} // namespace awb
