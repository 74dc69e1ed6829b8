// One SGD update of one parameter tensor (CPU reference), in the float operations and order of
// torch.optim.SGD 1.13's single-tensor path with dampening 0. The per-step scalars come from the
// host in SgdScalars.
#pragma once

#include <cstdint>

#include "kernels/shared/sgd_update.h"  // SgdScalars

namespace mgr::kernels::cpu {

// g = grad + wd * param; buf = first ? g : momentum * buf + g;
// update = momentum == 0 ? g : (nesterov ? g + momentum * buf : buf); param -= lr * update.
void sgd_step(float* param, const float* grad, float* buf, int64_t n, const SgdScalars& s);

}  // namespace mgr::kernels::cpu
