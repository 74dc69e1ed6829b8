#include "kernels/cpu/sgd.h"

#include "kernels/shared/sgd_update.h"

namespace mgr::kernels::cpu {

void sgd_step(float* param, const float* grad, float* buf, int64_t n, const SgdScalars& s) {
  for (int64_t i = 0; i < n; ++i) sgd_update(param + i, grad[i], buf ? buf + i : nullptr, s);
}

}  // namespace mgr::kernels::cpu
