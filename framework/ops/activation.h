// Pointwise activations.
#pragma once

#include "framework/autograd/var.h"

namespace mgr::ops {

Var relu(const Var& x);
Var leaky_relu(const Var& x, float negative_slope = 0.01f);

}  // namespace mgr::ops
