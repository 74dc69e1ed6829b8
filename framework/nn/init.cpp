#include "framework/nn/init.h"

#include <cmath>
#include <vector>

namespace mgr::nn {

uint64_t SplitMix64::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

float SplitMix64::uniform01() { return float(next() >> 40) * 0x1.0p-24f; }

void uniform_(Tensor& t, float lo, float hi, uint64_t seed) {
  MGR_CHECK(t.dtype() == DType::F32, "uniform_: f32 tensor expected, got " << t.str());
  MGR_CHECK(lo <= hi, "uniform_: empty range [" << lo << ", " << hi << ")");
  SplitMix64 rng(seed);
  std::vector<float> v(static_cast<size_t>(t.numel()));
  for (float& x : v) {
    x = lo + (hi - lo) * rng.uniform01();
    if (x >= hi) x = lo;  // rounding of lo + (hi-lo)*u can reach hi; keep the interval half-open
  }
  t.copy_from(Tensor::from_vector(v, t.shape()));
}

std::vector<float> normal_values(int64_t n, float mean, float stddev, uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<float> v(static_cast<size_t>(n));
  // Box-Muller in double: two uniforms in (0, 1] give two independent N(0, 1) values.
  constexpr double kTwoPi = 6.283185307179586476925;
  for (size_t i = 0; i < v.size(); i += 2) {
    const double u1 = (double(rng.next() >> 11) + 1.0) * 0x1.0p-53;
    const double u2 = double(rng.next() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    v[i] = float(mean + stddev * r * std::cos(kTwoPi * u2));
    if (i + 1 < v.size()) v[i + 1] = float(mean + stddev * r * std::sin(kTwoPi * u2));
  }
  return v;
}

void normal_(Tensor& t, float mean, float stddev, uint64_t seed) {
  MGR_CHECK(t.dtype() == DType::F32, "normal_: f32 tensor expected, got " << t.str());
  MGR_CHECK(stddev >= 0, "normal_: negative standard deviation " << stddev);
  t.copy_from(Tensor::from_vector(normal_values(t.numel(), mean, stddev, seed), t.shape()));
}

void glorot_uniform_(Tensor& t, int64_t fan_in, int64_t fan_out, uint64_t seed) {
  MGR_CHECK(fan_in > 0 && fan_out > 0,
            "glorot_uniform_: fans must be positive, got " << fan_in << ", " << fan_out);
  const float bound = float(std::sqrt(6.0 / double(fan_in + fan_out)));
  uniform_(t, -bound, bound, seed);
}

}  // namespace mgr::nn
