#include "kernels/cuda/bce_logits.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"
#include "kernels/cuda/softmax.h"
#include "kernels/shared/bce_logits.h"

namespace mgr::kernels::cuda {

namespace {

__global__ void bce_forward_kernel(float* elem, const float* x, const float* t, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    elem[i] = bce::loss(x[i], t[i]);
}

__global__ void bce_backward_kernel(float* dx, const float* x, const float* t, const float* dloss,
                                    int64_t n) {
  const float scale = fdiv(dloss[0], static_cast<float>(n));
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dx[i] = bce::grad_accum(dx[i], x[i], t[i], scale);
}

}  // namespace

void bce_logits_forward(float* elem, float* loss, const float* x, const float* t, int64_t n,
                        cudaStream_t stream) {
  if (n > 0) {
    bce_forward_kernel<<<grid_for(n), 256, 0, stream>>>(elem, x, t, n);
    MGR_CUDA_LAUNCH_CHECK("bce_forward_kernel");
  }
  mean_f32(loss, elem, n, stream);
}

void bce_logits_backward(float* dx, const float* x, const float* t, const float* dloss, int64_t n,
                         cudaStream_t stream) {
  if (n == 0) return;
  bce_backward_kernel<<<grid_for(n), 256, 0, stream>>>(dx, x, t, dloss, n);
  MGR_CUDA_LAUNCH_CHECK("bce_backward_kernel");
}

}  // namespace mgr::kernels::cuda
