#include "kernels/cpu/tempogram.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mgr::kernels::cpu {

void tempogram_frame(float* s, const float* env, int frames, int t, int win_length,
                     const float* window) {
  const int w = win_length / 2;
  const double left_step = double(env[0]) / w;
  const double right_step = double(env[frames - 1]) / w;
  for (int j = 0; j < win_length; ++j) {
    const int p = t + j - w;  // index into the unpadded envelope
    float v;
    if (p < 0) {
      v = static_cast<float>(double(p + w) * left_step);  // numpy linear_ramp, in double
    } else if (p >= frames) {
      v = static_cast<float>(double(w - (p - frames + 1)) * right_step);
    } else {
      v = env[p];
    }
    s[j] = window[j] * v;
  }
}

void tempogram(float* out, const float* env, int64_t clips, int frames, int win_length,
               const float* window) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    std::vector<float> s(static_cast<size_t>(win_length));
    std::vector<float> ac(static_cast<size_t>(win_length));
    float* o = out + b * int64_t(win_length) * frames;
    for (int t = 0; t < frames; ++t) {
      tempogram_frame(s.data(), env + b * frames, frames, t, win_length, window);
      // ac[k] = sum_j s[j] s[j + k], accumulated over j in order (vectorises over k).
      std::fill(ac.begin(), ac.end(), 0.f);
      for (int j = 0; j < win_length; ++j) {
        const float sj = s[j];
        const float* sk = s.data() + j;
        const int n = win_length - j;
        for (int k = 0; k < n; ++k) ac[k] += sj * sk[k];
      }
      float top = 0.f;
      for (int k = 0; k < win_length; ++k) top = std::max(top, std::abs(ac[k]));
      for (int k = 0; k < win_length; ++k) {
        o[int64_t(k) * frames + t] =
            top > 0.f ? static_cast<float>(double(ac[k]) / double(top)) : ac[k];
      }
    }
  }
}

}  // namespace mgr::kernels::cpu
