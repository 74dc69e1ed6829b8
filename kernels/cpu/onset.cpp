#include "kernels/cpu/onset.h"

#include <algorithm>
#include <vector>

#include "kernels/shared/onset_flux.h"

namespace mgr::kernels::cpu {

// The arithmetic is kernels/shared/onset_flux.h, the CUDA kernels' as well. The CPU computes a
// frame's reference column once (band_max_filter) and then the band fluxes in a loop the compiler
// vectorises; onset_flux::band_flux, which each CUDA thread calls, is the same composition.

void band_max_filter(float* out, const float* col, int64_t stride, int bands, int max_size) {
  for (int f = 0; f < bands; ++f) out[f] = onset_flux::band_max(col, stride, f, bands, max_size);
}

void onset_strength(float* out, const float* S, int64_t clips, int bands, int frames, int lag,
                    int max_size, int shift, bool median) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    const float* s = S + b * int64_t(bands) * frames;
    float* o = out + b * frames;
    std::vector<float> ref(static_cast<size_t>(bands)), diff(static_cast<size_t>(bands));
    for (int t = 0; t < frames; ++t) {
      const int i = onset_flux::raw_index(t, shift, frames, lag);
      if (i < 0) {
        o[t] = 0.f;
        continue;
      }
      if (max_size > 1) band_max_filter(ref.data(), s + i, frames, bands, max_size);
      for (int f = 0; f < bands; ++f) {
        const float r = max_size > 1 ? ref[f] : s[int64_t(f) * frames + i];
        diff[f] = onset_flux::flux_value(s[int64_t(f) * frames + i + lag], r);
      }
      if (!median) {
        o[t] = onset_flux::mean_over_bands(bands, [&](int f) { return diff[f]; });
        continue;
      }
      // np.median: partition, then the middle one or two values.
      const int k = bands / 2;
      std::nth_element(diff.begin(), diff.begin() + k, diff.end());
      const float lower = bands % 2 ? diff[k] : *std::max_element(diff.begin(), diff.begin() + k);
      o[t] = onset_flux::median_of_middle(lower, diff[k], bands);
    }
  }
}

}  // namespace mgr::kernels::cpu
