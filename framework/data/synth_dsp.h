// Small deterministic DSP toolkit for the synthetic genre corpus. Everything here is plain
// IEEE arithmetic (no libm transcendental calls on the audio path: sin comes from a table built
// by our own series, exp/log are our own), so one binary renders identical samples on every
// machine whatever its libm.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mgr::data::synth {

// ---- random numbers: xoshiro256** seeded through splitmix64 --------------------------------
uint64_t splitmix64(uint64_t& x);

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  double uniform();                      // [0, 1)
  double uniform(double lo, double hi);  // [lo, hi)
  int below(int n);                      // [0, n), n >= 1, unbiased
  int range(int lo, int hi);             // [lo, hi] inclusive
  bool chance(double p);
  float noise();    // uniform in [-1, 1)
  double normal();  // Box-Muller on our own log and table sin
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(below(static_cast<int>(v.size())))];
  }

 private:
  uint64_t s_[4];
};

// ---- math ----------------------------------------------------------------------------------
double det_exp(double x);
double det_log(double x);               // x > 0
double det_pow(double base, double e);  // base > 0
double midi_hz(double midi);
double db_gain(double db);
// sin(2 pi cycles), from a 4096-point table with linear interpolation (about -90 dB error).
float sin_cycles(double cycles);
// A smooth saturating curve close to tanh (Pade 3/2, clamped at |x| >= 3).
inline float soft_clip(float x) {
  if (x >= 3.f) return 1.f;
  if (x <= -3.f) return -1.f;
  const float x2 = x * x;
  return x * (27.f + x2) / (27.f + 9.f * x2);
}

// ---- filters and effects on whole buffers ----------------------------------------------------
void one_pole_lowpass(std::vector<float>& x, double cutoff_hz, int sr);
void one_pole_highpass(std::vector<float>& x, double cutoff_hz, int sr);
// Schroeder-style room: four damped combs and two allpasses; `wet` is the send level.
void add_reverb(std::vector<float>& x, int sr, double room, double damping, double wet);

}  // namespace mgr::data::synth
