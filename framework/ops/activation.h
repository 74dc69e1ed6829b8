// Pointwise activations.
#pragma once

#include "framework/autograd/var.h"

namespace mgr::ops {

Var relu(const Var& x);
Var leaky_relu(const Var& x, float negative_slope = 0.01f);

// torch.nn.functional.elu: x for x > 0, alpha * (exp(x) - 1) otherwise. Backward from x.
Var elu(const Var& x, float alpha = 1.f);
// tanh(x) and 1 / (1 + exp(-x)). Their backward passes use the output (1 - y^2, y (1 - y)).
// The CUDA kernels call CUDA's expf / tanhf, the CPU twin glibc's: a few ulps apart.
Var tanh(const Var& x);
Var sigmoid(const Var& x);

}  // namespace mgr::ops
