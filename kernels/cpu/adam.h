// One Adam update of one parameter tensor (CPU reference), in the same float operations and
// order as torch.optim.Adam 1.13's single-tensor path. The per-step scalars are computed once
// on the host in double (as PyTorch does in Python) and passed in AdamScalars.
#pragma once

#include <cstdint>

#include "kernels/shared/adam_update.h"  // AdamScalars

namespace mgr::kernels::cpu {

// g = grad + wd * param; m = beta1 m + (1-beta1) g; v = beta2 v + (1-beta2) g^2;
// param += neg_step_size * m / (sqrt(v) / bc2_sqrt + eps)
void adam_step(float* param, const float* grad, float* m, float* v, int64_t n,
               const AdamScalars& s);

}  // namespace mgr::kernels::cpu
