#include "kernels/cpu/chroma.h"

#include <cblas.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <vector>

#include "kernels/cpu/beat.h"
#include "kernels/shared/beat_dp.h"

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
    for (int t = 0; t < frames; ++t) {
      double len = 0;
      for (int r = 0; r < rows; ++r) {
        const double m = std::abs(double(c[int64_t(r) * frames + t]));
        len = inf ? std::max(len, m) : len + std::pow(m, norm);
      }
      if (!inf) len = std::pow(len, 1.0 / norm);
      if (len < double(FLT_MIN)) continue;  // librosa fill=None: leave tiny columns unscaled
      for (int r = 0; r < rows; ++r) {
        float& v = c[int64_t(r) * frames + t];
        v = static_cast<float>(double(v) / len);
      }
    }
  }
}

void beat_sync_mean(float* out, const float* x, const float* grid, int64_t clips, int rows,
                    int frames, int n_beats) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    const double period = grid[2 * b], phase = grid[2 * b + 1];
    const float* c = x + b * int64_t(rows) * frames;
    float* o = out + b * int64_t(n_beats) * rows;
    // Segment boundaries: beats inside the clip, then `frames`.
    std::vector<int> edge;
    for (int m = 0;; ++m) {
      const int f = beat_frame(period, phase, m);
      if (f >= frames) break;
      edge.push_back(f);
    }
    if (edge.empty()) edge.push_back(0);
    edge.push_back(frames);
    const int segments = static_cast<int>(edge.size()) - 1;
    for (int m = 0; m < n_beats; ++m) {
      const int s = std::min(m, segments - 1);
      const int lo = edge[s], hi = edge[s + 1];
      for (int r = 0; r < rows; ++r) {
        const float* row = c + int64_t(r) * frames;
        double acc = 0;
        for (int t = lo; t < hi; ++t) acc += row[t];
        o[int64_t(m) * rows + r] = static_cast<float>(acc / (hi - lo));
      }
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
      for (int r = 0; r < rows; ++r) {
        const float* row = c + int64_t(r) * frames;
        double acc = 0;
        for (int t = lo; t < hi; ++t) acc += row[t];
        o[int64_t(m) * rows + r] = static_cast<float>(acc / (hi - lo));
      }
    }
  }
}

}  // namespace mgr::kernels::cpu
