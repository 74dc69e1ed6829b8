#include "kernels/cpu/adam.h"

#include <cmath>

namespace mgr::kernels::cpu {

void adam_step(float* param, const float* grad, float* m, float* v, int64_t n,
               const AdamScalars& s) {
  for (int64_t i = 0; i < n; ++i) {
    float g = grad[i];
    if (s.weight_decay != 0.f) g = g + s.weight_decay * param[i];
    const float mi = m[i] * s.beta1 + s.one_minus_beta1 * g;
    const float vi = v[i] * s.beta2 + s.one_minus_beta2 * g * g;
    m[i] = mi;
    v[i] = vi;
    const float denom = std::sqrt(vi) / s.bias_correction2_sqrt + s.eps;
    param[i] = param[i] + s.neg_step_size * mi / denom;
  }
}

}  // namespace mgr::kernels::cpu
