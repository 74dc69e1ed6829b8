// The 16-bit audio transport's sample scale, written once for both devices
// (kernels/cpu/audio_convert.cpp, kernels/cuda/audio_convert.cu).
#pragma once

#include <cstdint>

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// Full scale of a 16-bit sample: float audio in [-1, 1) is x * kPcm16Scale as int16.
constexpr float kPcm16Scale = 32768.0f;

// x / 32768 (exact: a power-of-two scale of a value with at most 16 significant bits).
MGR_HOST_DEVICE inline float pcm16_to_float(int16_t x) {
  return fmul(static_cast<float>(x), 1.0f / kPcm16Scale);
}

}  // namespace mgr::kernels
