// Training augmentation, CPU twins of kernels/cuda/augment.h (arithmetic in
// kernels/shared/augment.h). Rows are clips of a batch; every parameter was drawn on the host.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// x [B, C, D, T]: the cells of row b whose band (axis 2) or frame (axis 3) lies in one of its
// `count` masks (start[b * count + k], width[b * count + k]) set to `fill`.
void augment_mask(float* x, int64_t B, int64_t C, int64_t D, int64_t T, int axis,
                  const int32_t* start, const int32_t* width, int count, float fill);
// y [B, row]: y[b] = lambda x[b] + mu x[partner[b]].
void augment_mix(float* y, const float* x, int64_t B, int64_t row, const int32_t* partner,
                 float lambda, float mu);
// x [B, S]: row b times factor[b], in place.
void augment_scale(float* x, int64_t B, int64_t S, const float* factor);
// y [B, S] from x [B, S]: row b shifted by shift[b] samples.
void augment_shift(float* y, const float* x, int64_t B, int64_t S, const int32_t* shift,
                   bool circular);
// x [B, S]: row b plus sigma[b] times the normal values of (augment_row_key(key, b), sample);
// rows with sigma 0 are left alone.
void augment_noise(float* x, int64_t B, int64_t S, const float* sigma, uint64_t key);
// y [B, S] from the windows x [B, W]: y[b, i] = augment_resample_at(x[b], W, pad + i rate[b],
// cutoff[b], ...) (kernels/shared/augment.h); a row whose rate is 1 is copied from x[b, pad + i].
void augment_resample(float* y, const float* x, int64_t B, int64_t W, int64_t S, int64_t pad,
                      const float* rate, const float* cutoff, const float* table, int zeros,
                      int per_zero);

}  // namespace mgr::kernels::cpu
