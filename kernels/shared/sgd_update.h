// One element of the SGD update, written once for both devices: the CPU loop
// (kernels/cpu/sgd.cpp) and each CUDA thread (kernels/cuda/sgd.cu) call it. Every step is a
// round-to-nearest float operation (fadd/fmul/fsub: no FMA contraction on the device), in the
// order of torch.optim.SGD 1.13's single-tensor path (dampening 0), so the GPU update is
// bit-identical to the CPU reference that tests/test_sgd.cpp checks against PyTorch.
#pragma once

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// The per-step scalars, from the host.
struct SgdScalars {
  float lr;
  float momentum;      // 0: plain SGD, no buffer (buf may be null)
  float weight_decay;  // L2 term added to the gradient (0: none)
  int nesterov;        // 1: update = g + momentum * buf (needs momentum > 0)
  int first;           // 1: this parameter's first update with momentum: buf = g
};

// g = grad + wd * param; with momentum: buf = first ? g : momentum * buf + g, and
// update = nesterov ? g + momentum * buf : buf; without: update = g. param -= lr * update.
// Updates *param (and *buf when momentum != 0) in place.
MGR_HOST_DEVICE inline void sgd_update(float* param, float grad, float* buf, const SgdScalars& s) {
  const float p = *param;
  float g = grad;
  if (s.weight_decay != 0.f) g = fadd(g, fmul(s.weight_decay, p));
  float update = g;
  if (s.momentum != 0.f) {
    const float b = s.first ? g : fadd(fmul(*buf, s.momentum), g);
    *buf = b;
    update = s.nesterov ? fadd(g, fmul(s.momentum, b)) : b;
  }
  *param = fsub(p, fmul(s.lr, update));
}

}  // namespace mgr::kernels
