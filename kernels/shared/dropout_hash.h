// The dropout mask as a pure function of (seed, step, element index), shared verbatim by the CPU
// and CUDA kernels: both devices drop exactly the same elements for the same seed and step, so
// CUDA-vs-CPU tests compare equal masks and a run can be replayed without storing masks. The
// backward pass recomputes the mask instead of keeping it.
#pragma once

#include <cstdint>

#include "kernels/shared/elementwise_ops.h"
#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// splitmix64's finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mix.
MGR_HOST_DEVICE inline uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Per-call key: distinct (seed, step) pairs give unrelated streams.
MGR_HOST_DEVICE inline uint64_t dropout_key(uint64_t seed, uint64_t step) {
  return splitmix64_mix(splitmix64_mix(seed + 0x9E3779B97F4A7C15ULL) ^
                        (step * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL));
}

// Uniform in [0, 1) with 24 bits, exact in float on every device (no rounding differences).
MGR_HOST_DEVICE inline float dropout_uniform(uint64_t key, uint64_t index) {
  const uint64_t h = splitmix64_mix(key + (index + 1) * 0x9E3779B97F4A7C15ULL);
  return static_cast<float>(h >> 40) * (1.0f / 16777216.0f);
}

// An element is kept when its uniform is >= p (probability 1 - p).
MGR_HOST_DEVICE inline bool dropout_keep(uint64_t key, uint64_t index, float p) {
  return dropout_uniform(key, index) >= p;
}

// Forward element: x * scale where kept, 0 where dropped.
MGR_HOST_DEVICE inline float dropout_value(float x, uint64_t key, uint64_t index, float p,
                                           float scale) {
  return dropout_keep(key, index, p) ? fmul(x, scale) : 0.f;
}

// Backward element: dx + scale * dy where kept (rounded twice on both devices: no FMA), dx where
// dropped.
MGR_HOST_DEVICE inline float dropout_grad_accum(float dx, float dy, uint64_t key, uint64_t index,
                                                float p, float scale) {
  return dropout_keep(key, index, p) ? axpy_value(dx, scale, dy) : dx;
}

}  // namespace mgr::kernels
