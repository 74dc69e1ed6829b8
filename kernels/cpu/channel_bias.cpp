#include "kernels/cpu/channel_bias.h"

namespace mgr::kernels::cpu {

void add_channel_bias(float* y, const float* b, int64_t n, int64_t c, int64_t hw) {
#pragma omp parallel for schedule(static) if (n * c * hw > (int64_t(1) << 16))
  for (int64_t r = 0; r < n * c; ++r) {
    float* row = y + r * hw;
    const float v = b[r % c];
    for (int64_t p = 0; p < hw; ++p) row[p] += v;
  }
}

void channel_bias_grad(float* db, const float* dy, int64_t n, int64_t c, int64_t hw) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < c; ++k) {
      const float* row = dy + (i * c + k) * hw;
      float s = 0.f;
#pragma omp simd reduction(+ : s)
      for (int64_t p = 0; p < hw; ++p) s += row[p];
      db[k] += s;
    }
}

}  // namespace mgr::kernels::cpu
