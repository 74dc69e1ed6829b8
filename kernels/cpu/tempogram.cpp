#include "kernels/cpu/tempogram.h"

#include <algorithm>
#include <vector>

#include "kernels/shared/tempogram_frame.h"

namespace mgr::kernels::cpu {

// The arithmetic is kernels/shared/tempogram_frame.h, the CUDA kernel's as well.

void tempogram_frame(float* s, const float* env, int frames, int t, int win_length,
                     const float* window) {
  const int w = win_length / 2;
  for (int j = 0; j < win_length; ++j)
    s[j] = tempogram_ac::windowed_sample(window[j], env, frames, w, t, j);
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
        for (int k = 0; k < n; ++k) ac[k] = tempogram_ac::autocorrelation_term(ac[k], sj, sk[k]);
      }
      float top = 0.f;
      for (int k = 0; k < win_length; ++k) top = tempogram_ac::abs_max(top, ac[k]);
      for (int k = 0; k < win_length; ++k)
        o[int64_t(k) * frames + t] = tempogram_ac::normalised(ac[k], top);
    }
  }
}

}  // namespace mgr::kernels::cpu
