#include "kernels/cuda/check.h"
#include "kernels/cuda/dropout.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/shared/dropout_hash.h"

namespace mgr::kernels::cuda {

namespace {

__global__ void dropout_forward_kernel(float* y, const float* x, int64_t n, float p, float scale,
                                       uint64_t key) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = dropout_value(x[i], key, static_cast<uint64_t>(i), p, scale);
}

__global__ void dropout_backward_kernel(float* dx, const float* dy, int64_t n, float p, float scale,
                                        uint64_t key) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dx[i] = dropout_grad_accum(dx[i], dy[i], key, static_cast<uint64_t>(i), p, scale);
}

}  // namespace

void dropout_forward(float* y, const float* x, int64_t n, float p, float scale, uint64_t key,
                     cudaStream_t stream) {
  if (n == 0) return;
  dropout_forward_kernel<<<grid_for(n), 256, 0, stream>>>(y, x, n, p, scale, key);
  MGR_CUDA_LAUNCH_CHECK("dropout_forward_kernel");
}

void dropout_backward(float* dx, const float* dy, int64_t n, float p, float scale, uint64_t key,
                      cudaStream_t stream) {
  if (n == 0) return;
  dropout_backward_kernel<<<grid_for(n), 256, 0, stream>>>(dx, dy, n, p, scale, key);
  MGR_CUDA_LAUNCH_CHECK("dropout_backward_kernel");
}

}  // namespace mgr::kernels::cuda
