#include "kernels/cpu/onset.h"

#include <algorithm>
#include <vector>

namespace mgr::kernels::cpu {

namespace {
// scipy.ndimage 'reflect' boundary: (d c b a | a b c d | d c b a), for any distance.
int reflect_index(int i, int n) {
  const int period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}
}  // namespace

void band_max_filter(float* out, const float* col, int64_t stride, int bands, int max_size) {
  const int left = max_size / 2;
  for (int f = 0; f < bands; ++f) {
    float m = col[int64_t(reflect_index(f - left, bands)) * stride];
    for (int j = 1; j < max_size; ++j)
      m = std::max(m, col[int64_t(reflect_index(f - left + j, bands)) * stride]);
    out[f] = m;
  }
}

void onset_strength(float* out, const float* S, int64_t clips, int bands, int frames, int lag,
                    int max_size, int shift, bool median) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    const float* s = S + b * int64_t(bands) * frames;
    float* o = out + b * frames;
    std::vector<float> ref(static_cast<size_t>(bands)), diff(static_cast<size_t>(bands));
    for (int t = 0; t < frames; ++t) {
      const int i = t - shift;  // index into the raw (unpadded) flux
      if (i < 0 || i >= frames - lag) {
        o[t] = 0.f;
        continue;
      }
      if (max_size > 1) band_max_filter(ref.data(), s + i, frames, bands, max_size);
      if (median) {
        for (int f = 0; f < bands; ++f) {
          const float r = max_size > 1 ? ref[f] : s[int64_t(f) * frames + i];
          diff[f] = std::max(0.f, s[int64_t(f) * frames + i + lag] - r);
        }
        // np.median: partition, then the mean of the middle one or two values (float32).
        const int k = bands / 2;
        std::nth_element(diff.begin(), diff.begin() + k, diff.end());
        if (bands % 2) {
          o[t] = diff[k];
        } else {
          const float lower = *std::max_element(diff.begin(), diff.begin() + k);
          o[t] = (lower + diff[k]) / 2.f;
        }
        continue;
      }
      float acc = 0.f;
      for (int f = 0; f < bands; ++f) {
        const float r = max_size > 1 ? ref[f] : s[int64_t(f) * frames + i];
        acc += std::max(0.f, s[int64_t(f) * frames + i + lag] - r);
      }
      o[t] = acc / static_cast<float>(bands);
    }
  }
}

}  // namespace mgr::kernels::cpu
