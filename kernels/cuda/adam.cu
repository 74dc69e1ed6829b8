#include "kernels/cuda/adam.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/shared/adam_update.h"

namespace mgr::kernels::cuda {

namespace {

// The thread mapping only: the arithmetic is kernels/shared/adam_update.h, the CPU twin's.
__global__ void adam_step_kernel(float* param, const float* grad, float* m, float* v, int64_t n,
                                 AdamScalars s) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    adam_update(param + i, grad[i], m + i, v + i, s);
}

}  // namespace

void adam_step(float* param, const float* grad, float* m, float* v, int64_t n, const AdamScalars& s,
               cudaStream_t stream) {
  if (n == 0) return;
  adam_step_kernel<<<grid_for(n), 256, 0, stream>>>(param, grad, m, v, n, s);
  MGR_CUDA_LAUNCH_CHECK("adam_step_kernel");
}

}  // namespace mgr::kernels::cuda
