#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mgr {

// f32 for features, activations and parameters; i32 for labels and indices.
enum class DType { F32, I32 };

inline size_t dtype_size(DType) { return 4; }
inline const char* dtype_name(DType t) { return t == DType::F32 ? "f32" : "i32"; }

template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::F32;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::I32;
}

}  // namespace mgr
