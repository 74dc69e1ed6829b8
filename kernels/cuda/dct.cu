#include <algorithm>

#include "kernels/cuda/check.h"
#include "kernels/cuda/dct.h"

namespace mgr::kernels::cuda {

void dct_apply(cublasHandle_t handle, float* out, const float* x, int64_t batch, int n_in,
               int64_t frames, const float* dct, int n_out) {
  if (batch == 0 || frames == 0 || n_out == 0) return;
  MGR_CHECK(frames <= 0x7fffffff, "dct_apply: " << frames << " frames exceed cuBLAS int sizes");
  // Row-major [n_in, frames] is column-major [frames, n_in] (ld frames), and row-major D
  // [n_out, n_in] is column-major D^T [n_in, n_out] (ld n_in). So per clip, in column-major:
  //   out^T [frames, n_out] = x^T [frames, n_in] * D^T [n_in, n_out],
  // whose column-major result is exactly row-major out [n_out, frames].
  const float alpha = 1.f;
  const float beta = 0.f;
  const int m = static_cast<int>(frames);
  constexpr int64_t kMaxBatch = 65535;  // stay within every cuBLAS batched-grid limit
  for (int64_t b0 = 0; b0 < batch; b0 += kMaxBatch) {
    const int nb = static_cast<int>(std::min(kMaxBatch, batch - b0));
    MGR_CUBLAS_CHECK(cublasSgemmStridedBatched(
        handle, CUBLAS_OP_N, CUBLAS_OP_N, m, n_out, n_in, &alpha, x + b0 * n_in * frames, m,
        static_cast<long long>(n_in) * frames, dct, n_in, 0, &beta, out + b0 * n_out * frames, m,
        static_cast<long long>(n_out) * frames, nb));
  }
}

}  // namespace mgr::kernels::cuda
