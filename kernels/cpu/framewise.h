// Frame-wise descriptors from audio (zero-crossing rate, RMS) and per-row aggregates over
// frames (mean / variance, low-energy fraction). CPU twins of kernels/cuda/framewise.h, with the
// arithmetic and summation order of kernels/shared/framewise_common.h.
#pragma once

#include <cstdint>

#include "kernels/shared/framewise_common.h"

namespace mgr::kernels::cpu {

// Frame t of a clip covers positions [t * hop - pad, t * hop - pad + frame_length) of the clip,
// pad = frame_length / 2 when centred (positions outside [0, n) come from pad_index), else 0.
inline int64_t frame_count(int64_t n, int frame_length, int hop, bool center) {
  const int64_t padded = center ? n + 2 * int64_t(frame_length / 2) : n;
  return padded < frame_length ? 0 : 1 + (padded - frame_length) / hop;
}

// librosa.feature.zero_crossing_rate: per frame, the number of adjacent pairs inside the frame
// whose signs differ (|x| <= threshold counts as 0, and 0 as positive), over frame_length.
// Centring pads with the edge samples. x [clips, n] -> out [clips, frames].
void zero_crossing_rate(float* out, const float* x, int64_t clips, int64_t n, int64_t frames,
                        int frame_length, int hop, bool center, float threshold);

// librosa.feature.rms(y=...): sqrt(mean of squares over the frame), centring with `mode`.
void rms(float* out, const float* x, int64_t clips, int64_t n, int64_t frames, int frame_length,
         int hop, bool center, PadMode mode);

// x [clips, rows, cols] -> out [clips, 2 * rows]: the mean of each row, then the population
// variance of each row (two passes, both in the fixed order).
void mean_var_rows(float* out, const float* x, int64_t clips, int64_t rows, int64_t cols);

// x [rows, cols] -> out [rows]: the fraction of the row's entries strictly below the mean of
// its first ref_cols entries (1 <= ref_cols <= cols; cols: the whole row).
void low_energy_rows(float* out, const float* x, int64_t rows, int64_t cols, int64_t ref_cols);

}  // namespace mgr::kernels::cpu
