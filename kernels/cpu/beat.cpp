#include "kernels/cpu/beat.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mgr::kernels::cpu {

// The per-clip arithmetic is kernels/shared/tempo_grid.h, the CUDA kernels' as well.

LagTable lag_table() {
  LagTable t{};
  for (int j = -kLagRadius * kLagSteps; j <= kLagRadius * kLagSteps; ++j) {
    const double d = double(j) / kLagSteps / kLagSigma;
    t.w[j + kLagRadius * kLagSteps] = static_cast<float>(std::exp(-0.5 * d * d));
  }
  return t;
}

TempoRange tempo_range(int hop_length, int sample_rate, double bpm_min, double bpm_max) {
  TempoRange r;
  const double frames_per_minute = 60.0 * sample_rate / hop_length;
  r.lag_min = frames_per_minute / bpm_max;
  r.lag_max = frames_per_minute / bpm_min;
  r.first_step = static_cast<int>(std::ceil(r.lag_min * kLagSteps));
  const int last_step = static_cast<int>(std::floor(r.lag_max * kLagSteps));
  r.num_steps = std::max(1, last_step - r.first_step + 1);
  r.max_lag = static_cast<int>(std::floor(r.lag_max)) + kLagRadius + 1;
  return r;
}

void autocorrelation(double* r, const float* env, int frames, int max_lag) {
  const double mean = tempo_grid::envelope_mean(env, frames);
  for (int k = 0; k <= max_lag; ++k) r[k] = tempo_grid::autocorrelation_lag(env, frames, mean, k);
}

void beat_histogram(float* out, const float* env, int64_t clips, int frames, int hop_length,
                    int sample_rate, int n_bins, double bpm_min, double bpm_max) {
  const TempoRange range = tempo_range(hop_length, sample_rate, bpm_min, bpm_max);
  const double frames_per_minute = 60.0 * sample_rate / hop_length;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    std::vector<double> r(static_cast<size_t>(range.max_lag) + 1);
    autocorrelation(r.data(), env + b * frames, frames, range.max_lag);
    std::vector<double> h(static_cast<size_t>(n_bins));
    double top = 0;
    for (int i = 0; i < n_bins; ++i) {
      h[i] = tempo_grid::histogram_bin(r.data(), range.max_lag, frames_per_minute,
                                       tempo_grid::histogram_bpm(i, n_bins, bpm_min, bpm_max));
      top = std::max(top, h[i]);
    }
    float* o = out + b * n_bins;
    for (int i = 0; i < n_bins; ++i) o[i] = tempo_grid::histogram_normalised(h[i], top);
  }
}

void beat_grid(float* grid, const float* env, int64_t clips, int frames, const TempoRange& range,
               const LagTable& g) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    const float* e = env + b * frames;
    std::vector<double> r(static_cast<size_t>(range.max_lag) + 1);
    autocorrelation(r.data(), e, frames, range.max_lag);
    // The first (shortest) period with the largest smoothed autocorrelation.
    int best_step = range.first_step;
    double best = -INFINITY;
    for (int j = 0; j < range.num_steps; ++j) {
      const double v =
          tempo_grid::smoothed_ac_step(r.data(), range.max_lag, range.first_step + j, g);
      if (v > best) best = v, best_step = range.first_step + j;
    }
    const double period = tempo_grid::candidate_period(best_step);
    // The first (earliest) phase with the largest mean onset strength on its beats.
    int best_phase = 0;
    best = -INFINITY;
    for (int j = 0; tempo_grid::candidate_phase(j) < period; ++j) {
      const double v = tempo_grid::phase_score(e, frames, period, tempo_grid::candidate_phase(j));
      if (v > best) best = v, best_phase = j;
    }
    grid[2 * b] = static_cast<float>(period);
    grid[2 * b + 1] = static_cast<float>(tempo_grid::candidate_phase(best_phase));
  }
}

void beat_frames(int32_t* out, const float* grid, int64_t clips, int frames, int max_beats) {
  for (int64_t b = 0; b < clips; ++b) {
    for (int m = 0; m < max_beats; ++m) {
      const int f = grid_beat_frame(grid[2 * b], grid[2 * b + 1], m);
      out[b * max_beats + m] = f < frames ? f : -1;
    }
  }
}

}  // namespace mgr::kernels::cpu
