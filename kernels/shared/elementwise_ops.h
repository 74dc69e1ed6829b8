// The per-element arithmetic of the elementwise, affine and dropout kernels, written once for
// both devices: the CPU loops (kernels/cpu/elementwise.cpp, reduce.cpp, dropout.cpp) and each
// CUDA thread call these. Every step rounds to nearest (fadd/fmul, kernels/shared/host_device.h):
// written as y += a * x, nvcc contracts the CUDA copy into one fused multiply-add (one rounding)
// while the host build rounds the product and the sum separately, so the two devices differed in
// the last bit of every accumulated gradient. Inline, so the CPU loops still vectorise.
#pragma once

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// y + a * x (axpy, and every "dx += scale * dy" gradient accumulation).
MGR_HOST_DEVICE inline float axpy_value(float y, float a, float x) { return fadd(y, fmul(a, x)); }

// a * x + b.
MGR_HOST_DEVICE inline float affine_value(float x, float a, float b) { return fadd(fmul(a, x), b); }

// Leaky ReLU (slope 0: ReLU): x for x > 0, slope * x otherwise (NaN goes to slope * NaN).
MGR_HOST_DEVICE inline float leaky_relu_value(float x, float slope) {
  return x > 0.f ? x : fmul(slope, x);
}

// dx + dy * (x > 0 ? 1 : slope).
MGR_HOST_DEVICE inline float leaky_relu_grad_accum(float dx, float dy, float x, float slope) {
  return fadd(dx, x > 0.f ? dy : fmul(slope, dy));
}

}  // namespace mgr::kernels
