#include "kernels/cpu/stft_ext.h"

#include "kernels/cpu/power_chunks.h"

namespace mgr::kernels::cpu {

void stft_spectrogram(float* out, const float* audio, int64_t batch, int64_t num_samples,
                      int num_frames, int hop, const float* window, bool center, bool reflect,
                      float power, const RealFft& fft) {
  const int bins = fft.bins();
  for_each_power_chunk(audio, batch, num_samples, num_frames, hop, window, center, reflect, power,
                       fft, [&](int64_t b, int t0, int count, const float* pw) {
                         // [count, bins] -> columns t0 .. t0 + count of the clip's [bins, T].
                         float* clip_out = out + b * int64_t(bins) * num_frames + t0;
                         for (int k = 0; k < bins; ++k) {
                           float* row = clip_out + int64_t(k) * num_frames;
                           for (int c = 0; c < count; ++c) row[c] = pw[int64_t(c) * bins + k];
                         }
                       });
}

}  // namespace mgr::kernels::cpu
