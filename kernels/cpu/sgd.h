// One SGD update of one parameter tensor (CPU reference), in the float operations and order of
// torch.optim.SGD 1.13's single-tensor path with dampening 0. The per-step scalars come from the
// host in SgdScalars.
#pragma once

#include <cstdint>

namespace mgr::kernels {

struct SgdScalars {
  float lr;
  float momentum;      // 0: plain SGD, no buffer (buf may be null)
  float weight_decay;  // L2 term added to the gradient (0: none)
  int nesterov;        // 1: update = g + momentum * buf (needs momentum > 0)
  int first;           // 1: this parameter's first update with momentum: buf = g
};

}  // namespace mgr::kernels

namespace mgr::kernels::cpu {

// g = grad + wd * param; buf = first ? g : momentum * buf + g;
// update = momentum == 0 ? g : (nesterov ? g + momentum * buf : buf); param -= lr * update.
void sgd_step(float* param, const float* grad, float* buf, int64_t n, const SgdScalars& s);

}  // namespace mgr::kernels::cpu
