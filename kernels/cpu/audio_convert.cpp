#include "kernels/cpu/audio_convert.h"

#include <algorithm>
#include <cmath>

#include "kernels/shared/pcm16.h"

namespace mgr::kernels::cpu {

void float_to_int16(int16_t* out, const float* in, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = std::nearbyint(in[i] * kPcm16Scale);  // round half to even, like the GPU's rint
    out[i] = static_cast<int16_t>(std::clamp(v, -32768.0f, 32767.0f));
  }
}

void int16_to_float(float* out, const int16_t* in, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = pcm16_to_float(in[i]);
}

}  // namespace mgr::kernels::cpu
