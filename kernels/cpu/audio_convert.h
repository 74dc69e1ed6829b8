// 16-bit audio transport: float samples in [-1, 1) as int16 (x * 32768, rounded to nearest,
// clamped), which halves the bytes sent to the device. Exact for audio decoded from 16-bit
// files (libsndfile scales by 1/32768); otherwise a 16-bit quantisation.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

void float_to_int16(int16_t* out, const float* in, int64_t n);
void int16_to_float(float* out, const int16_t* in, int64_t n);  // x / 32768

}  // namespace mgr::kernels::cpu
