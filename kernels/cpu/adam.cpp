#include "kernels/cpu/adam.h"

#include "kernels/shared/adam_update.h"

namespace mgr::kernels::cpu {

void adam_step(float* param, const float* grad, float* m, float* v, int64_t n,
               const AdamScalars& s) {
  // Elementwise and independent: both cores for large tensors.
#pragma omp parallel for schedule(static) if (n > (int64_t(1) << 16))
  for (int64_t i = 0; i < n; ++i) adam_update(param + i, grad[i], m + i, v + i, s);
}

}  // namespace mgr::kernels::cpu
