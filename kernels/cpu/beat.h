// Tempo and beat reference kernels on an onset envelope [clips, frames]: the clip's
// autocorrelation, the beat histogram over BPM, the tempo/phase grid and beat frames.
// docs/features.md ("Rhythm") defines each quantity; the CUDA twin (kernels/cuda/beat.h)
// performs the same double-precision operations in the same order, so grids agree exactly.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// Lag resolution of the tempo search (candidate periods are multiples of 1 / kLagSteps frames)
// and of the Gaussian lag-smoothing table below.
constexpr int kLagSteps = 16;
// Gaussian smoothing of the autocorrelation over lags: sigma (frames) and support radius.
constexpr double kLagSigma = 1.0;
constexpr int kLagRadius = 4;
// Phase candidates are multiples of 1 / kPhaseSteps frames.
constexpr int kPhaseSteps = 4;

// The lag-smoothing weights g(j / kLagSteps) = exp(-0.5 (j / kLagSteps / sigma)^2), rounded to
// float, for j in [-kLagRadius * kLagSteps, kLagRadius * kLagSteps] (index j + radius * steps).
constexpr int kLagTable = 2 * kLagRadius * kLagSteps + 1;
struct LagTable {
  float w[kLagTable];
};
LagTable lag_table();

// Tempo search range in frames: lag(bpm) = 60 * sample_rate / (hop * bpm).
struct TempoRange {
  double lag_min = 0;  // at bpm_max
  double lag_max = 0;  // at bpm_min
  int first_step = 0;  // smallest candidate period = first_step / kLagSteps >= lag_min
  int num_steps = 0;   // candidates first_step .. first_step + num_steps - 1
  int max_lag = 0;     // autocorrelation lags needed: 0 .. max_lag
};
TempoRange tempo_range(int hop_length, int sample_rate, double bpm_min, double bpm_max);

// r[k] = (1/T) sum_{t < T-k} x[t] x[t+k] for k = 0..max_lag (0 where k >= T), x = env - mean(env);
// double, summed in increasing t. r: [max_lag + 1].
void autocorrelation(double* r, const float* env, int frames, int max_lag);

// Smoothed autocorrelation at a fractional lag: sum_{|k - lag| <= radius} r[k] g(k - lag), with
// g computed by exp (histogram bins) ...
double smoothed_ac(const double* r, int max_lag, double lag);
// ... or, for lag = step / kLagSteps, with the float table (the tempo search; exact on both twins).
double smoothed_ac_step(const double* r, int max_lag, int step, const LagTable& g);

// Beat histogram [clips, n_bins]: bin i at bpm_i = bpm_min + i (bpm_max - bpm_min) / (n_bins - 1)
// holds max(0, smoothed_ac(lag(bpm_i))), divided by the clip's largest bin (left at 0 when all are
// 0).
void beat_histogram(float* out, const float* env, int64_t clips, int frames, int hop_length,
                    int sample_rate, int n_bins, double bpm_min, double bpm_max);

// Tempo grid [clips, 2] = (period, phase) in frames. period = argmax over candidate steps of
// smoothed_ac_step (ties: the shortest period); phase = argmax over j / kPhaseSteps < period of
// the mean onset strength at frames round(phase + m period) < frames (ties: the earliest).
void beat_grid(float* grid, const float* env, int64_t clips, int frames, const TempoRange& range,
               const LagTable& g);

// Beat m of a grid row: round-half-up of phase + m * period (double).
inline int beat_frame(double period, double phase, int m) {
  const double x = phase + static_cast<double>(m) * period;
  return static_cast<int>(x + 0.5);
}

// Beat frames [clips, max_beats] (i32): beat_frame(m) while < frames, then -1.
void beat_frames(int32_t* out, const float* grid, int64_t clips, int frames, int max_beats);

}  // namespace mgr::kernels::cpu
