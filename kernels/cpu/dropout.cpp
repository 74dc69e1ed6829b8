#include "kernels/cpu/dropout.h"

#include "kernels/shared/dropout_hash.h"

namespace mgr::kernels::cpu {

void dropout_forward(float* y, const float* x, int64_t n, float p, float scale, uint64_t key) {
  for (int64_t i = 0; i < n; ++i)
    y[i] = dropout_value(x[i], key, static_cast<uint64_t>(i), p, scale);
}

void dropout_backward(float* dx, const float* dy, int64_t n, float p, float scale, uint64_t key) {
  for (int64_t i = 0; i < n; ++i)
    dx[i] = dropout_grad_accum(dx[i], dy[i], key, static_cast<uint64_t>(i), p, scale);
}

}  // namespace mgr::kernels::cpu
