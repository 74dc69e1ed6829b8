// The per-element arithmetic of batch norm's backward pass in evaluation mode (statistics are the
// running ones, constants), written once for the CPU twin (kernels/cpu/batchnorm2d.cpp, with the
// invstd of framework/ops/batchnorm2d.cpp) and the CUDA kernels (kernels/cuda/batchnorm2d.cu).
// Round-to-nearest steps: the GPU used rsqrtf (approximate) and a fused multiply-add before.
// The per-channel sums of dgamma/dbeta are not shared: the CPU's is an OpenMP SIMD reduction
// (order left to the compiler), the GPU's a block reduction.
#pragma once

#include "kernels/shared/elementwise_ops.h"
#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// 1 / sqrt(var + eps), correctly rounded at each step.
MGR_HOST_DEVICE inline float bn_invstd(float var, float eps) {
  return fdiv(1.f, fsqrt(fadd(var, eps)));
}

// dx + (gamma * invstd) * dy.
MGR_HOST_DEVICE inline float bn_eval_input_grad(float dx, float gamma_invstd, float dy) {
  return axpy_value(dx, gamma_invstd, dy);
}

}  // namespace mgr::kernels
