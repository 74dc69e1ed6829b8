// Binary cross-entropy on logits, written once for both devices (kernels/cpu/bce_logits.cpp and
// kernels/cuda/bce_logits.cu call these). For a logit x and a target t in [0, 1]:
//   loss = max(x, 0) - x t + log(1 + exp(-|x|))
// the form of torch.nn.BCEWithLogitsLoss, which never exponentiates a positive number (so no
// overflow for large |x|) and keeps log(1 + tiny) accurate through log1pf.
//   dloss/dx = sigmoid(x) - t, with sigmoid evaluated on the side where exp does not overflow.
// Every step rounds to nearest (no FMA); only expf/log1pf may differ by an ulp between devices.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/shared/elementwise_ops.h"
#include "kernels/shared/host_device.h"

namespace mgr::kernels::bce {

MGR_HOST_DEVICE inline float loss(float x, float t) {
  return fadd(fsub(fmaxf(x, 0.f), fmul(x, t)), log1pf(expf(-fabsf(x))));
}

MGR_HOST_DEVICE inline float stable_sigmoid(float x) {
  if (x >= 0.f) return fdiv(1.f, fadd(1.f, expf(-x)));
  const float e = expf(x);
  return fdiv(e, fadd(1.f, e));
}

// d + scale * (sigmoid(x) - t): the accumulated gradient of `scale` times the element's loss.
MGR_HOST_DEVICE inline float grad_accum(float d, float x, float t, float scale) {
  return axpy_value(d, scale, fsub(stable_sigmoid(x), t));
}

}  // namespace mgr::kernels::bce
