#include "kernels/cpu/dct.h"

#include <cmath>
#include <numbers>

#include "kernels/cpu/gemm.h"

namespace mgr::kernels::cpu {

std::vector<float> dct2_ortho_matrix(int n_out, int n_in, double lifter) {
  std::vector<float> d(size_t(n_out) * size_t(n_in));
  const double pi = std::numbers::pi;
  for (int k = 0; k < n_out; ++k) {
    const double scale = std::sqrt((k == 0 ? 1.0 : 2.0) / n_in) *
                         (lifter > 0 ? 1.0 + 0.5 * lifter * std::sin(pi * (k + 1) / lifter) : 1.0);
    for (int n = 0; n < n_in; ++n)
      d[size_t(k) * n_in + n] =
          static_cast<float>(scale * std::cos(pi * k * (2.0 * n + 1.0) / (2.0 * n_in)));
  }
  return d;
}

void dct_apply(float* out, const float* x, int64_t batch, int n_in, int64_t frames,
               const float* dct, int n_out) {
  for (int64_t b = 0; b < batch; ++b)
    sgemm(false, false, n_out, frames, n_in, 1.f, dct, n_in, x + b * n_in * frames, frames, 0.f,
          out + b * n_out * frames, frames);
}

}  // namespace mgr::kernels::cpu
