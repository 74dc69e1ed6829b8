// One element of the Adam update, written once for both devices: the CPU loop
// (kernels/cpu/adam.cpp) and each CUDA thread (kernels/cuda/adam.cu) call it. Every step is a
// round-to-nearest float operation (fadd/fmul/fdiv/fsqrt: no FMA contraction on the device), in
// the order of torch.optim.Adam 1.13's single-tensor path, so the GPU update is bit-identical to
// the CPU reference that tests/test_adam.cpp checks against PyTorch.
#pragma once

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// The per-step scalars, computed once on the host in double.
struct AdamScalars {
  float neg_step_size;  // -lr / (1 - beta1^t)
  float beta1, one_minus_beta1;
  float beta2, one_minus_beta2;
  float bias_correction2_sqrt;  // sqrt(1 - beta2^t)
  float eps;
  float weight_decay;  // L2 term added to the gradient (0: none)
};

// g = grad + wd * param; m = beta1 m + (1-beta1) g; v = beta2 v + (1-beta2) g^2;
// param += neg_step_size * m / (sqrt(v) / bc2_sqrt + eps). Updates *param, *m, *v in place.
MGR_HOST_DEVICE inline void adam_update(float* param, float grad, float* m, float* v,
                                        const AdamScalars& s) {
  const float p = *param;
  float g = grad;
  if (s.weight_decay != 0.f) g = fadd(g, fmul(s.weight_decay, p));
  const float mi = fadd(fmul(*m, s.beta1), fmul(s.one_minus_beta1, g));
  const float vi = fadd(fmul(*v, s.beta2), fmul(fmul(s.one_minus_beta2, g), g));
  *m = mi;
  *v = vi;
  const float denom = fadd(fdiv(fsqrt(vi), s.bias_correction2_sqrt), s.eps);
  *param = fadd(p, fdiv(fmul(s.neg_step_size, mi), denom));
}

}  // namespace mgr::kernels
