#include "framework/nn/linear.h"

#include "framework/nn/init.h"
#include "framework/ops/linear.h"

namespace mgr::nn {

Linear::Linear(int in, int out, bool bias, uint64_t seed) : in_(in), out_(out) {
  MGR_CHECK(in > 0 && out > 0, "Linear(" << in << ", " << out << "): sizes must be positive");
  // Glorot uniform weights and zero bias: Keras' Dense defaults, the papers' framework.
  Tensor w = Tensor::empty({out, in});
  glorot_uniform_(w, in, out, seed);
  weight_ = &register_parameter("weight", w);
  if (bias) bias_ = &register_parameter("bias", Tensor::zeros({out}));
}

Var Linear::forward(const Var& x) { return ops::linear(x, *weight_, bias_ ? *bias_ : Var()); }

}  // namespace mgr::nn
