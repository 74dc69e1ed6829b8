#include "kernels/cpu/spectral.h"

#include "kernels/shared/spectral_frame.h"

namespace mgr::kernels::cpu {

namespace {

// Calls f(frame pointer, clip, frame) for every (clip, frame), frames of one clip in order so
// that neighbouring frames reuse the cache lines of their bins.
template <typename F>
void for_each_frame(float* out, const float* mag, int64_t clips, int bins, int64_t frames, F f) {
  const int64_t per_clip = int64_t(bins) * frames;
#pragma omp parallel for schedule(static) if (clips * frames * bins > (1 << 18))
  for (int64_t c = 0; c < clips; ++c)
    for (int64_t t = 0; t < frames; ++t)
      out[c * frames + t] = static_cast<float>(f(mag + c * per_clip + t, t));
}

}  // namespace

void spectral_centroid(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                       double bin_hz) {
  for_each_frame(out, mag, clips, bins, frames, [&](const float* s, int64_t) {
    return centroid_frame(s, frames, bins, bin_hz).centroid;
  });
}

void spectral_bandwidth(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                        double bin_hz, double p) {
  for_each_frame(out, mag, clips, bins, frames, [&](const float* s, int64_t) {
    return bandwidth_frame(s, frames, bins, bin_hz, p);
  });
}

void spectral_rolloff(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                      double bin_hz, double roll_percent) {
  for_each_frame(out, mag, clips, bins, frames, [&](const float* s, int64_t) {
    return rolloff_frame(s, frames, bins, bin_hz, roll_percent);
  });
}

void spectral_flatness(float* out, const float* mag, int64_t clips, int bins, int64_t frames,
                       double amin, double power) {
  for_each_frame(out, mag, clips, bins, frames, [&](const float* s, int64_t) {
    return flatness_frame(s, frames, bins, amin, power);
  });
}

void spectral_flux(float* out, const float* mag, int64_t clips, int bins, int64_t frames) {
  for_each_frame(out, mag, clips, bins, frames, [&](const float* s, int64_t t) {
    return t == 0 ? 0.0 : flux_frame(s, s - 1, frames, bins);
  });
}

int64_t first_negative(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (x[i] < 0.f) return i;
  return -1;
}

}  // namespace mgr::kernels::cpu
