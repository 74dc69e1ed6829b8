// Autocorrelation tempogram reference kernel (librosa.feature.tempogram, center=True).
// Pointers + sizes only.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// The onset envelope padded by win_length / 2 on both sides with numpy's linear_ramp to 0:
// left pad j (0 <= j < w) = env[0] * j / w, right pad j (1 <= j <= w) after the end =
// env[T-1] * (w - j) / w. Frame t (t < frames) is padded[t .. t + win_length), times `window`
// (periodic Hann). tempogram [clips, win_length, frames]: lag k of frame t is the frame's
// autocorrelation sum_j s[j] s[j + k], divided by the frame's max |.| over lags unless that
// is below DBL_MIN (silent frames stay 0).
void tempogram(float* out, const float* env, int64_t clips, int frames, int win_length,
               const float* window);

// The windowed frame s[0..win_length) of frame t (the padding rule above).
void tempogram_frame(float* s, const float* env, int frames, int t, int win_length,
                     const float* window);

}  // namespace mgr::kernels::cpu
