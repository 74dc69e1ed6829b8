#include "kernels/cuda/adam.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/elementwise.h"

namespace mgr::kernels::cuda {

namespace {

// Explicitly rounded operations (no FMA contraction), in the order of the CPU loop, so the GPU
// update is bit-identical to the CPU reference (division and sqrtf are IEEE-rounded by default).
__global__ void adam_step_kernel(float* param, const float* grad, float* m, float* v, int64_t n,
                                 AdamScalars s) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float p = param[i];
    float g = grad[i];
    if (s.weight_decay != 0.f) g = __fadd_rn(g, __fmul_rn(s.weight_decay, p));
    const float mi = __fadd_rn(__fmul_rn(m[i], s.beta1), __fmul_rn(s.one_minus_beta1, g));
    const float vi =
        __fadd_rn(__fmul_rn(v[i], s.beta2), __fmul_rn(__fmul_rn(s.one_minus_beta2, g), g));
    m[i] = mi;
    v[i] = vi;
    const float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), s.bias_correction2_sqrt), s.eps);
    param[i] = __fadd_rn(p, __fdiv_rn(__fmul_rn(s.neg_step_size, mi), denom));
  }
}

}  // namespace

void adam_step(float* param, const float* grad, float* m, float* v, int64_t n, const AdamScalars& s,
               cudaStream_t stream) {
  if (n == 0) return;
  adam_step_kernel<<<grid_for(n), 256, 0, stream>>>(param, grad, m, v, n, s);
  MGR_CUDA_LAUNCH_CHECK("adam_step_kernel");
}

}  // namespace mgr::kernels::cuda
