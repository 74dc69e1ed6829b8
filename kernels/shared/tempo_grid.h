// The tempo/beat-grid arithmetic on an onset envelope (docs/features.md, "Rhythm"), written once
// for both devices: the CPU twin (kernels/cpu/beat.cpp) and the CUDA kernels
// (kernels/cuda/beat.cu) call these per clip, per lag, per candidate; only the thread mapping and
// the block argmax are the kernels' own. Double precision with every step rounded to nearest
// (dadd/dmul/..., no FMA), so the grid and beat frames agree exactly; the histogram's Gaussian
// weights come from exp, which may differ by an ulp between the devices.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/shared/beat_sync.h"
#include "kernels/shared/host_device.h"

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

namespace tempo_grid {

using kernels::dadd;
using kernels::ddiv;
using kernels::dmul;
using kernels::dsub;

// mean(env) in double, summed in increasing t.
MGR_HOST_DEVICE inline double envelope_mean(const float* e, int frames) {
  double m = 0;
  for (int t = 0; t < frames; ++t) m = dadd(m, double(e[t]));
  return ddiv(m, double(frames));
}

// r[k] = (1/T) sum_{t < T-k} x[t] x[t+k], x = env - mean, summed in increasing t (0 for k >= T).
MGR_HOST_DEVICE inline double autocorrelation_lag(const float* e, int frames, double mean, int k) {
  double acc = 0;
  for (int t = 0; t + k < frames; ++t)
    acc = dadd(acc, dmul(dsub(double(e[t]), mean), dsub(double(e[t + k]), mean)));
  return ddiv(acc, double(frames));
}

// Smoothed autocorrelation at a fractional lag: sum_{|k - lag| <= radius} r[k] g(k - lag), with g
// evaluated by exp (the histogram bins).
MGR_HOST_DEVICE inline double smoothed_ac(const double* r, int max_lag, double lag) {
  const int lo_k = static_cast<int>(ceil(dsub(lag, double(kLagRadius))));
  const int hi_k = static_cast<int>(floor(dadd(lag, double(kLagRadius))));
  const int lo = lo_k > 0 ? lo_k : 0;
  const int hi = hi_k < max_lag ? hi_k : max_lag;
  double acc = 0;
  for (int k = lo; k <= hi; ++k) {
    const double d = ddiv(dsub(double(k), lag), kLagSigma);
    acc = dadd(acc, dmul(r[k], exp(dmul(dmul(-0.5, d), d))));
  }
  return acc;
}

// The same at lag = step / kLagSteps with the float table (the tempo search: exact on both
// devices). k - lag = (k * steps - step) / steps: table index k * steps - step + radius * steps.
MGR_HOST_DEVICE inline double smoothed_ac_step(const double* r, int max_lag, int step,
                                               const LagTable& g) {
  const int lo_k = (step - kLagRadius * kLagSteps + kLagSteps - 1) / kLagSteps;
  const int hi_k = (step + kLagRadius * kLagSteps) / kLagSteps;
  const int lo = lo_k > 0 ? lo_k : 0;
  const int hi = hi_k < max_lag ? hi_k : max_lag;
  double acc = 0;
  for (int k = lo; k <= hi; ++k)
    acc = dadd(acc, dmul(r[k], double(g.w[k * kLagSteps - step + kLagRadius * kLagSteps])));
  return acc;
}

// Histogram bin i's tempo: bpm_min + i (bpm_max - bpm_min) / (n_bins - 1) (bpm_min for one bin).
MGR_HOST_DEVICE inline double histogram_bpm(int i, int n_bins, double bpm_min, double bpm_max) {
  if (n_bins <= 1) return bpm_min;
  return dadd(bpm_min, ddiv(dmul(double(i), dsub(bpm_max, bpm_min)), double(n_bins - 1)));
}

// Histogram bin value before normalisation: max(0, smoothed_ac(lag(bpm))), lag = frames per
// minute / bpm.
MGR_HOST_DEVICE inline double histogram_bin(const double* r, int max_lag, double frames_per_minute,
                                            double bpm) {
  const double v = smoothed_ac(r, max_lag, ddiv(frames_per_minute, bpm));
  return v > 0.0 ? v : 0.0;
}

// A bin divided by the clip's largest (0 when every bin is 0).
MGR_HOST_DEVICE inline float histogram_normalised(double h, double top) {
  return top > 0 ? to_float(ddiv(h, top)) : 0.f;
}

// Candidate period (frames) of tempo step `step`, and candidate phase j.
MGR_HOST_DEVICE inline double candidate_period(int step) {
  return ddiv(double(step), double(kLagSteps));
}
MGR_HOST_DEVICE inline double candidate_phase(int j) {
  return ddiv(double(j), double(kPhaseSteps));
}

}  // namespace tempo_grid

namespace tempo_grid {

// Mean onset strength at the beats round(phase + m period) < frames (0 when there are none).
MGR_HOST_DEVICE inline double phase_score(const float* e, int frames, double period, double phase) {
  double acc = 0;
  int n = 0;
  for (int m = 0;; ++m) {
    const int f = grid_beat_frame(period, phase, m);
    if (f >= frames) break;
    acc = dadd(acc, double(e[f]));
    ++n;
  }
  return n > 0 ? ddiv(acc, double(n)) : 0.0;
}

}  // namespace tempo_grid

}  // namespace mgr::kernels::cpu
