// Tempo and beat reference kernels on an onset envelope [clips, frames]: the clip's
// autocorrelation, the beat histogram over BPM, the tempo/phase grid and beat frames.
// docs/features.md ("Rhythm") defines each quantity; the arithmetic is kernels/shared/tempo_grid.h,
// which the CUDA twin (kernels/cuda/beat.h) calls too, so grids agree exactly.
#pragma once

#include <cstdint>

#include "kernels/shared/tempo_grid.h"

namespace mgr::kernels::cpu {

// The lag-smoothing constants, LagTable and the grid helpers live in kernels/shared/tempo_grid.h.
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

// The smoothed autocorrelation (tempo_grid::smoothed_ac, tempo_grid::smoothed_ac_step) and the
// other per-clip pieces are in kernels/shared/tempo_grid.h.

// Beat histogram [clips, n_bins]: bin i at bpm_i = bpm_min + i (bpm_max - bpm_min) / (n_bins - 1)
// holds max(0, tempo_grid::smoothed_ac(lag(bpm_i))), divided by the clip's largest bin (left at 0
// when all are 0).
void beat_histogram(float* out, const float* env, int64_t clips, int frames, int hop_length,
                    int sample_rate, int n_bins, double bpm_min, double bpm_max);

// Tempo grid [clips, 2] = (period, phase) in frames. period = argmax over candidate steps of
// tempo_grid::smoothed_ac_step (ties: the shortest period); phase = argmax over j / kPhaseSteps <
// period of the mean onset strength at frames round(phase + m period) < frames (ties: the
// earliest).
void beat_grid(float* grid, const float* env, int64_t clips, int frames, const TempoRange& range,
               const LagTable& g);

// Beat frames [clips, max_beats] (i32): grid_beat_frame(m) (kernels/shared/beat_sync.h) while
// < frames, then -1.
void beat_frames(int32_t* out, const float* grid, int64_t clips, int frames, int max_beats);

}  // namespace mgr::kernels::cpu
