#include "kernels/cpu/augment.h"

#include "kernels/shared/augment.h"

namespace mgr::kernels::cpu {

void augment_mask(float* x, int64_t B, int64_t C, int64_t D, int64_t T, int axis,
                  const int32_t* start, const int32_t* width, int count, float fill) {
  for (int64_t b = 0; b < B; ++b) {
    const int32_t* s = start + b * count;
    const int32_t* w = width + b * count;
    for (int64_t c = 0; c < C; ++c)
      for (int64_t d = 0; d < D; ++d)
        for (int64_t t = 0; t < T; ++t)
          if (augment_masked(axis == 2 ? d : t, s, w, count))
            x[((b * C + c) * D + d) * T + t] = fill;
  }
}

void augment_mix(float* y, const float* x, int64_t B, int64_t row, const int32_t* partner,
                 float lambda, float mu) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < row; ++i)
      y[b * row + i] =
          kernels::augment_mix(x[b * row + i], x[int64_t(partner[b]) * row + i], lambda, mu);
}

void augment_scale(float* x, int64_t B, int64_t S, const float* factor) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < S; ++i) x[b * S + i] = fmul(x[b * S + i], factor[b]);
}

void augment_shift(float* y, const float* x, int64_t B, int64_t S, const int32_t* shift,
                   bool circular) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < S; ++i) {
      const int64_t j = augment_shift_source(i, shift[b], S, circular);
      y[b * S + i] = j < 0 ? 0.f : x[b * S + j];
    }
}

void augment_noise(float* x, int64_t B, int64_t S, const float* sigma, uint64_t key) {
  // Rows in parallel: each element is a pure function of (key, row, sample), so the threads
  // change nothing in the result.
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < B; ++b) {
    if (sigma[b] == 0.f) continue;
    const uint64_t k = augment_row_key(key, uint64_t(b));
    for (int64_t i = 0; i < S; ++i)
      x[b * S + i] = augment_noisy(x[b * S + i], sigma[b], augment_normal(k, uint64_t(i)));
  }
}

void augment_resample(float* y, const float* x, int64_t B, int64_t W, int64_t S, int64_t pad,
                      const float* rate, const float* cutoff, const float* table, int zeros,
                      int per_zero) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < B; ++b) {
    const float* in = x + b * W;
    float* out = y + b * S;
    for (int64_t i = 0; i < S; ++i)
      out[i] = rate[b] == 1.f ? in[pad + i]
                              : augment_resample_at(in, W, augment_resample_pos(i, pad, rate[b]),
                                                    cutoff[b], table, zeros, per_zero);
  }
}

}  // namespace mgr::kernels::cpu
