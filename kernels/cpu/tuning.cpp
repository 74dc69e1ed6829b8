#include "kernels/cpu/tuning.h"

#include <algorithm>
#include <vector>

#include "kernels/shared/tuning.h"

namespace mgr::kernels::cpu {

void estimate_tuning_index(int32_t* out, const float* power, int64_t clips, int bins, int frames,
                           int sample_rate, int n_fft, int n_chroma) {
  int lo = 0, hi = 0;
  tuning::peak_range(sample_rate, n_fft, &lo, &hi);
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t b = 0; b < clips; ++b) {
    const float* s = power + b * int64_t(bins) * frames;
    std::vector<float> mags, devs;
    for (int t = 0; t < frames; ++t) {
      const float ref = tuning::frame_ref(s + t, frames, bins);
      for (int k = lo; k < hi; ++k) {
        float m = 0, pitch = 0;
        if (tuning::peak(s + t, frames, k, bins, ref, sample_rate, n_fft, &m, &pitch)) {
          mags.push_back(m);
          devs.push_back(tuning::deviation(pitch, n_chroma));
        }
      }
    }
    const int64_t n = static_cast<int64_t>(mags.size());
    if (n == 0) {
      out[b] = tuning::kBins / 2;  // librosa: no pitches, tuning 0.0
      continue;
    }
    std::vector<float> sorted = mags;
    std::nth_element(sorted.begin(), sorted.begin() + n / 2, sorted.end());
    const float upper = sorted[n / 2];
    float lower = upper;
    if (n % 2 == 0) lower = *std::max_element(sorted.begin(), sorted.begin() + n / 2);
    const float threshold = tuning::median_of(lower, upper, n);
    int counts[tuning::kBins] = {};
    for (int64_t i = 0; i < n; ++i)
      if (mags[i] >= threshold) ++counts[tuning::bin_of(devs[i])];
    out[b] = tuning::argmax(counts);
  }
}

}  // namespace mgr::kernels::cpu
