#include "kernels/cpu/framewise.h"

#include <cmath>
#include <vector>

namespace mgr::kernels::cpu {

void zero_crossing_rate(float* out, const float* x, int64_t clips, int64_t n, int64_t frames,
                        int frame_length, int hop, bool center, float threshold) {
  const int64_t pad = center ? frame_length / 2 : 0;
  const int64_t padded = n + 2 * pad;
#pragma omp parallel for schedule(static) if (clips * n > (1 << 18))
  for (int64_t c = 0; c < clips; ++c) {
    const float* xc = x + c * n;
    // crossings[j] = number of sign changes between padded positions (i-1, i) for i <= j; a
    // frame starting at s counts crossings[s + fl - 1] - crossings[s]. Integer counts: exact.
    std::vector<int32_t> crossings(size_t(padded > 0 ? padded : 1), 0);
    bool prev_neg = false;
    for (int64_t j = 0; j < padded; ++j) {
      const float v = xc[pad_index(j - pad, n, PadMode::Edge)];
      const bool neg = zcr_negative(v, threshold);
      crossings[size_t(j)] = (j == 0 ? 0 : crossings[size_t(j - 1)] + (neg != prev_neg));
      prev_neg = neg;
    }
    for (int64_t t = 0; t < frames; ++t) {
      const int64_t s = t * hop;
      const int32_t count = crossings[size_t(s + frame_length - 1)] - crossings[size_t(s)];
      out[c * frames + t] = zcr_value(count, frame_length);
    }
  }
}

void rms(float* out, const float* x, int64_t clips, int64_t n, int64_t frames, int frame_length,
         int hop, bool center, PadMode mode) {
  const int64_t pad = center ? frame_length / 2 : 0;
#pragma omp parallel for schedule(static) if (clips * frames * frame_length > (1 << 20))
  for (int64_t c = 0; c < clips; ++c) {
    const float* xc = x + c * n;
    for (int64_t t = 0; t < frames; ++t) {
      const int64_t start = t * hop - pad;
      double sum;
      if (start >= 0 && start + frame_length <= n) {
        const float* f = xc + start;
        sum = ordered_sum(frame_length, [f](int64_t i) { return dmul(f[i], f[i]); });
      } else {
        sum = ordered_sum(frame_length,
                          [=](int64_t i) { return rms_square(xc, n, start + i, mode); });
      }
      out[c * frames + t] = rms_value(sum, frame_length);
    }
  }
}

void mean_var_rows(float* out, const float* x, int64_t clips, int64_t rows, int64_t cols) {
#pragma omp parallel for schedule(static) if (clips * rows * cols > (1 << 18))
  for (int64_t r = 0; r < clips * rows; ++r) {
    const int64_t c = r / rows, d = r % rows;
    const float* p = x + r * cols;
    const double mean = ordered_sum(cols, [p](int64_t i) { return double(p[i]); }) / cols;
    const double var = ordered_sum(cols,
                                   [p, mean](int64_t i) {
                                     const double e = double(p[i]) - mean;
                                     return dmul(e, e);
                                   }) /
                       cols;
    out[c * 2 * rows + d] = static_cast<float>(mean);
    out[c * 2 * rows + rows + d] = static_cast<float>(var);
  }
}

void low_energy_rows(float* out, const float* x, int64_t rows, int64_t cols, int64_t ref_cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* p = x + r * cols;
    const double mean =
        ordered_sum(ref_cols, [p](int64_t i) { return double(p[i]); }) / double(ref_cols);
    int64_t below = 0;
    for (int64_t i = 0; i < cols; ++i) below += double(p[i]) < mean;
    out[r] = static_cast<float>(double(below) / cols);
  }
}

}  // namespace mgr::kernels::cpu
