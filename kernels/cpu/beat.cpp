#include "kernels/cpu/beat.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace mgr::kernels::cpu {

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
  double mean = 0;
  for (int t = 0; t < frames; ++t) mean += env[t];
  mean /= frames;
  std::vector<double> x(static_cast<size_t>(frames));
  for (int t = 0; t < frames; ++t) x[t] = double(env[t]) - mean;
  for (int k = 0; k <= max_lag; ++k) {
    double acc = 0;
    for (int t = 0; t + k < frames; ++t) acc += x[t] * x[t + k];
    r[k] = acc / frames;
  }
}

double smoothed_ac(const double* r, int max_lag, double lag) {
  const int lo = std::max(0, static_cast<int>(std::ceil(lag - kLagRadius)));
  const int hi = std::min(max_lag, static_cast<int>(std::floor(lag + kLagRadius)));
  double acc = 0;
  for (int k = lo; k <= hi; ++k) {
    const double d = (k - lag) / kLagSigma;
    acc += r[k] * std::exp(-0.5 * d * d);
  }
  return acc;
}

double smoothed_ac_step(const double* r, int max_lag, int step, const LagTable& g) {
  // k - lag = (k * steps - step) / steps: table index k * steps - step + radius * steps.
  const int lo = std::max(0, (step - kLagRadius * kLagSteps + kLagSteps - 1) / kLagSteps);
  const int hi = std::min(max_lag, (step + kLagRadius * kLagSteps) / kLagSteps);
  double acc = 0;
  for (int k = lo; k <= hi; ++k)
    acc += r[k] * double(g.w[k * kLagSteps - step + kLagRadius * kLagSteps]);
  return acc;
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
      const double bpm = n_bins > 1 ? bpm_min + i * (bpm_max - bpm_min) / (n_bins - 1) : bpm_min;
      h[i] = std::max(0.0, smoothed_ac(r.data(), range.max_lag, frames_per_minute / bpm));
      top = std::max(top, h[i]);
    }
    float* o = out + b * n_bins;
    for (int i = 0; i < n_bins; ++i) o[i] = top > 0 ? static_cast<float>(h[i] / top) : 0.f;
  }
}

void beat_grid(float* grid, const float* env, int64_t clips, int frames, const TempoRange& range,
               const LagTable& g) {
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < clips; ++b) {
    const float* e = env + b * frames;
    std::vector<double> r(static_cast<size_t>(range.max_lag) + 1);
    autocorrelation(r.data(), e, frames, range.max_lag);
    int best_step = range.first_step;
    double best = -INFINITY;
    for (int j = 0; j < range.num_steps; ++j) {
      const double v = smoothed_ac_step(r.data(), range.max_lag, range.first_step + j, g);
      if (v > best) best = v, best_step = range.first_step + j;
    }
    const double period = double(best_step) / kLagSteps;
    int best_phase = 0;
    best = -INFINITY;
    for (int j = 0; double(j) / kPhaseSteps < period; ++j) {
      const double phase = double(j) / kPhaseSteps;
      double acc = 0;
      int n = 0;
      for (int m = 0;; ++m) {
        const int f = beat_frame(period, phase, m);
        if (f >= frames) break;
        acc += e[f];
        ++n;
      }
      const double v = n > 0 ? acc / n : 0.0;
      if (v > best) best = v, best_phase = j;
    }
    grid[2 * b] = static_cast<float>(period);
    grid[2 * b + 1] = static_cast<float>(double(best_phase) / kPhaseSteps);
  }
}

void beat_frames(int32_t* out, const float* grid, int64_t clips, int frames, int max_beats) {
  for (int64_t b = 0; b < clips; ++b) {
    for (int m = 0; m < max_beats; ++m) {
      const int f = beat_frame(grid[2 * b], grid[2 * b + 1], m);
      out[b * max_beats + m] = f < frames ? f : -1;
    }
  }
}

}  // namespace mgr::kernels::cpu
