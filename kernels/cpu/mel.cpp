#include "kernels/cpu/mel.h"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/cpu/power_chunks.h"

namespace mgr::kernels::cpu {

void mel_project(float* mel, int64_t num_frames, int64_t t0, int count, const float* power,
                 const SparseMel& fb) {
  for (int c = 0; c < count; ++c) {
    const float* p = power + int64_t(c) * fb.bins;
    float* out = mel + t0 + c;
    for (int m = 0; m < fb.n_mels; ++m) {
      const float* w = fb.weights + fb.offset[m];
      const float* pk = p + fb.begin[m];
      float acc = 0.f;
      for (int j = 0; j < fb.length[m]; ++j) acc += w[j] * pk[j];
      out[m * num_frames] = acc;
    }
  }
}

namespace {

// 10 log10(x) for a normal float x > 0, in plain arithmetic the compiler vectorises (glibc's
// log10f is a call per element and made dB the slowest stage). x = m 2^e with m in
// [sqrt(1/2), sqrt(2)); ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its series
// to s^9 (truncation < 1e-9). Error ~ 1 float ulp of the result: < 1e-5 dB for |dB| < 100.
inline float db10(float x) {
  const auto bits = std::bit_cast<uint32_t>(x);
  const uint32_t mant = bits & 0x7fffffu;
  // m = mantissa in [1, 2), halved (exponent field 126 instead of 127) above sqrt(2), whose
  // mantissa bits are 0x3504f3. Integer selects only, so the loop vectorises.
  const uint32_t big = mant > 0x3504f3u ? 1u : 0u;
  const float m = std::bit_cast<float>(mant | (0x3f800000u - (big << 23)));
  const float e = static_cast<float>(static_cast<int>(bits >> 23) - 127 + static_cast<int>(big));
  const float s = (m - 1.f) / (m + 1.f);
  const float s2 = s * s;
  const float ln_m =
      2.f * s * (1.f + s2 * (1.f / 3 + s2 * (1.f / 5 + s2 * (1.f / 7 + s2 * (1.f / 9)))));
  constexpr float kDbPerOctave = 3.01029995664f;  // 10 log10(2)
  constexpr float kDbPerNeper = 4.34294481903f;   // 10 / ln(10)
  return kDbPerOctave * e + kDbPerNeper * ln_m;
}

}  // namespace

void power_to_db(float* x, int64_t clips, int64_t per_clip, float amin, float top_db,
                 bool ref_max) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    float* v = x + b * per_clip;
    // dB against ref 1 (a loop without a reduction, so it vectorises), then the clip's peak
    // in dB (log is monotone, so this is 10 log10(max(amin, max power))).
    for (int64_t i = 0; i < per_clip; ++i) {
      const float p = v[i];
      v[i] = db10(p < amin ? amin : p);
    }
    float peak_db = db10(amin);
    for (int64_t i = 0; i < per_clip; ++i) peak_db = std::max(peak_db, v[i]);
    const float ref_db = ref_max ? peak_db : db10(std::max(amin, 1.f));
    const float floor_db = top_db > 0.f ? peak_db - ref_db - top_db : -INFINITY;
    for (int64_t i = 0; i < per_clip; ++i) v[i] = std::max(v[i] - ref_db, floor_db);
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
