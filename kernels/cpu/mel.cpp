#include "kernels/cpu/mel.h"

#include <omp.h>

#include <cstdint>
#include <vector>

#include "kernels/cpu/power_chunks.h"
#include "kernels/shared/mel_filter.h"
#include "kernels/shared/power_db.h"

namespace mgr::kernels::cpu {

void mel_project(float* mel, int64_t num_frames, int64_t t0, int count, const float* power,
                 const SparseMel& fb) {
  for (int c = 0; c < count; ++c) {
    const float* p = power + int64_t(c) * fb.bins;
    float* out = mel + t0 + c;
    for (int m = 0; m < fb.n_mels; ++m) {
      const float* w = fb.weights + fb.offset[m];
      const float* pk = p + fb.begin[m];
      out[m * num_frames] = mel_filter_dot(w, pk, fb.length[m]);
    }
  }
}

void power_to_db(float* x, int64_t clips, int64_t per_clip, float amin, float top_db,
                 bool ref_max) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    float* v = x + b * per_clip;
    // The clip's peak power (the GPU's clip_max_kernel takes the same maximum), then dB,
    // reference and floor in one vectorised pass.
    float peak = amin;
    for (int64_t i = 0; i < per_clip; ++i) peak = at_least(v[i], peak);
    const DbScale scale = db_scale(peak, amin, top_db, ref_max);
    for (int64_t i = 0; i < per_clip; ++i) v[i] = power_db(v[i], amin, scale);
  }
}

void mel_spectrogram(float* mel, const float* audio, int64_t batch, int64_t num_samples,
                     int num_frames, int hop, const float* window, bool center, bool reflect,
                     float power, const RealFft& fft, const SparseMel& fb) {
  for_each_power_chunk(audio, batch, num_samples, num_frames, hop, window, center, reflect, power,
                       fft, [&](int64_t b, int t0, int count, const float* pw) {
                         mel_project(mel + b * fb.n_mels * int64_t(num_frames), num_frames, t0,
                                     count, pw, fb);
                       });
}

}  // namespace mgr::kernels::cpu
