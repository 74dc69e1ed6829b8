#include "framework/nn/linear.h"

#include <cmath>
#include <vector>

#include "framework/ops/linear.h"

namespace mgr::nn {

namespace {

// Glorot (Xavier) uniform in [-a, a], a = sqrt(6 / (fan_in + fan_out)), from a seeded
// splitmix64 stream: the same values on every machine and device (filled on the CPU).
// TODO(init): fold into framework/nn/init's glorot_uniform_ once that lands.
Tensor glorot_uniform(const Shape& shape, int64_t fan_in, int64_t fan_out, uint64_t seed) {
  const double a = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  uint64_t state = seed;
  for (float& x : v) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    const double u = static_cast<double>(z >> 11) * 0x1.0p-53;  // [0, 1)
    x = static_cast<float>(-a + 2.0 * a * u);
  }
  return Tensor::from_vector(v, shape);
}

}  // namespace

Linear::Linear(int in, int out, bool bias, uint64_t seed) : in_(in), out_(out) {
  MGR_CHECK(in > 0 && out > 0, "Linear(" << in << ", " << out << "): sizes must be positive");
  weight_ = &register_parameter("weight", glorot_uniform({out, in}, in, out, seed));
  if (bias) bias_ = &register_parameter("bias", Tensor::zeros({out}));
}

Var Linear::forward(const Var& x) { return ops::linear(x, *weight_, bias_ ? *bias_ : Var()); }

}  // namespace mgr::nn
