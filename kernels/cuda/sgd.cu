#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/sgd.h"
#include "kernels/shared/sgd_update.h"

namespace mgr::kernels::cuda {

namespace {

// The thread mapping only: the arithmetic is kernels/shared/sgd_update.h, the CPU twin's.
__global__ void sgd_step_kernel(float* param, const float* grad, float* buf, int64_t n,
                                SgdScalars s) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    sgd_update(param + i, grad[i], buf ? buf + i : nullptr, s);
}

}  // namespace

void sgd_step(float* param, const float* grad, float* buf, int64_t n, const SgdScalars& s,
              cudaStream_t stream) {
  if (n == 0) return;
  sgd_step_kernel<<<grid_for(n), 256, 0, stream>>>(param, grad, buf, n, s);
  MGR_CUDA_LAUNCH_CHECK("sgd_step_kernel");
}

}  // namespace mgr::kernels::cuda
