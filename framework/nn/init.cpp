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

void glorot_uniform_(Tensor& t, int64_t fan_in, int64_t fan_out, uint64_t seed) {
  MGR_CHECK(fan_in > 0 && fan_out > 0,
            "glorot_uniform_: fans must be positive, got " << fan_in << ", " << fan_out);
  const float bound = float(std::sqrt(6.0 / double(fan_in + fan_out)));
  uniform_(t, -bound, bound, seed);
}

}  // namespace mgr::nn
