// Deterministic parameter initialisation. A tiny explicit generator (splitmix64) rather than
// <random>'s distributions, whose output may differ between standard libraries: the same seed
// gives the same parameters everywhere, on CPU and CUDA alike (values are drawn on the host).
#pragma once

#include <cstdint>
#include <vector>

#include "framework/tensor/tensor.h"

namespace mgr::nn {

// splitmix64 (Steele, Lea, Flood 2014): a 64-bit state advanced by a Weyl increment and
// scrambled; passes BigCrush, fine for initialisation.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  // Uniform in [0, 1) with 24 random bits, exactly representable as a float.
  float uniform01();

 private:
  uint64_t state_;
};

// Fills t (f32, any device) with values uniform in [lo, hi), in row-major order.
void uniform_(Tensor& t, float lo, float hi, uint64_t seed);
// n values N(mean, stddev^2) by Box-Muller from SplitMix64 (portable, unlike std::normal_
// distribution), and the same written into t (f32, any device) in row-major order.
std::vector<float> normal_values(int64_t n, float mean, float stddev, uint64_t seed);
void normal_(Tensor& t, float mean, float stddev, uint64_t seed);

// Glorot/Xavier uniform (Keras' default kernel initialiser): bound = sqrt(6 / (fan_in + fan_out)).
void glorot_uniform_(Tensor& t, int64_t fan_in, int64_t fan_out, uint64_t seed);

}  // namespace mgr::nn
