#include "kernels/cpu/bce_logits.h"

#include "kernels/shared/bce_logits.h"
#include "kernels/shared/framewise_common.h"

namespace mgr::kernels::cpu {

float bce_logits_forward(float* elem, const float* x, const float* t, int64_t n) {
  for (int64_t i = 0; i < n; ++i) elem[i] = bce::loss(x[i], t[i]);
  if (n == 0) return 0.f;
  const double total = ordered_sum(n, [&](int64_t i) { return double(elem[i]); });
  return static_cast<float>(total / double(n));
}

void bce_logits_backward(float* dx, const float* x, const float* t, float dloss, int64_t n) {
  if (n == 0) return;
  const float scale = fdiv(dloss, static_cast<float>(n));
  for (int64_t i = 0; i < n; ++i) dx[i] = bce::grad_accum(dx[i], x[i], t[i], scale);
}

}  // namespace mgr::kernels::cpu
