#include "kernels/cpu/sgd.h"

#include "kernels/shared/sgd_update.h"

namespace mgr::kernels::cpu {

void sgd_step(float* param, const float* grad, float* buf, int64_t n, const SgdScalars& s) {
  // Elementwise and independent: both cores for large tensors (a 5.4M-weight dense layer's
  // update was a serial 2-3% of a training step with the other core idle).
#pragma omp parallel for schedule(static) if (n > (int64_t(1) << 16))
  for (int64_t i = 0; i < n; ++i) sgd_update(param + i, grad[i], buf ? buf + i : nullptr, s);
}

}  // namespace mgr::kernels::cpu
