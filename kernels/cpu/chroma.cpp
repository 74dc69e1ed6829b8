#include "kernels/cpu/chroma.h"

#include <cblas.h>

#include <cmath>

#include "kernels/shared/beat_dp.h"
#include "kernels/shared/beat_sync.h"
#include "kernels/shared/column_norm.h"

namespace mgr::kernels::cpu {

void chroma_project(float* out, const float* power, const float* fb, int64_t clips, int n_chroma,
                    int bins, int frames) {
  // One sgemm per clip: [n_chroma, bins] x [bins, frames]; OpenBLAS threads inside each call.
  for (int64_t b = 0; b < clips; ++b) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n_chroma, frames, bins, 1.f, fb, bins,
                power + b * int64_t(bins) * frames, frames, 0.f,
                out + b * int64_t(n_chroma) * frames, frames);
  }
}

void normalize_columns(float* x, int64_t clips, int rows, int frames, double norm) {
  if (norm == 0) return;
  const bool inf = std::isinf(norm);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    float* c = x + b * int64_t(rows) * frames;
    for (int t = 0; t < frames; ++t) normalize_column(c + t, frames, rows, norm, inf);
  }
}

void beat_sync_mean(float* out, const float* x, const float* grid, int64_t clips, int rows,
                    int frames, int n_beats) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    const double period = grid[2 * b], phase = grid[2 * b + 1];
    const int beats = grid_beats_inside(period, phase, frames);
    const float* c = x + b * int64_t(rows) * frames;
    float* o = out + b * int64_t(n_beats) * rows;
    for (int m = 0; m < n_beats; ++m) {
      int lo = 0, hi = 0;
      grid_segment(period, phase, beats, frames, m, &lo, &hi);
      for (int r = 0; r < rows; ++r)
        o[int64_t(m) * rows + r] = segment_mean(c + int64_t(r) * frames, lo, hi);
    }
  }
}

void beat_sync_frames_mean(float* out, const float* x, const int32_t* beats, int64_t clips,
                           int rows, int frames, int max_beats, int n_beats) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    const int32_t* row_beats = beats + b * max_beats;
    const int n = beat_dp::valid_beats(row_beats, max_beats, frames);
    const float* c = x + b * int64_t(rows) * frames;
    float* o = out + b * int64_t(n_beats) * rows;
    for (int m = 0; m < n_beats; ++m) {
      int lo = 0, hi = 0;
      beat_dp::sync_segment(row_beats, n, frames, m, &lo, &hi);
      for (int r = 0; r < rows; ++r)
        o[int64_t(m) * rows + r] = segment_mean(c + int64_t(r) * frames, lo, hi);
    }
  }
}

}  // namespace mgr::kernels::cpu
