// The per-element arithmetic of the elementwise, affine and dropout kernels, written once for
// both devices: the CPU loops (kernels/cpu/elementwise.cpp, reduce.cpp, dropout.cpp) and each
// CUDA thread call these. Every step rounds to nearest (fadd/fmul, kernels/shared/host_device.h):
// written as y += a * x, nvcc contracts the CUDA copy into one fused multiply-add (one rounding)
// while the host build rounds the product and the sum separately, so the two devices differed in
// the last bit of every accumulated gradient. Inline, so the CPU loops still vectorise.
#pragma once

#include "kernels/shared/host_device.h"

namespace mgr::kernels {

// a + b (the add op).
MGR_HOST_DEVICE inline float add_value(float a, float b) { return fadd(a, b); }

// y + a * x (axpy, and every "dx += scale * dy" gradient accumulation).
MGR_HOST_DEVICE inline float axpy_value(float y, float a, float x) { return fadd(y, fmul(a, x)); }

// a * x + b.
MGR_HOST_DEVICE inline float affine_value(float x, float a, float b) { return fadd(fmul(a, x), b); }

// Leaky ReLU (slope 0: ReLU): x for x > 0, slope * x otherwise (NaN goes to slope * NaN).
MGR_HOST_DEVICE inline float leaky_relu_value(float x, float slope) {
  return x > 0.f ? x : fmul(slope, x);
}

// dy * (x > 0 ? 1 : slope).
MGR_HOST_DEVICE inline float leaky_relu_grad(float dy, float x, float slope) {
  return x > 0.f ? dy : fmul(slope, dy);
}

// dx + dy * (x > 0 ? 1 : slope).
MGR_HOST_DEVICE inline float leaky_relu_grad_accum(float dx, float dy, float x, float slope) {
  return fadd(dx, leaky_relu_grad(dy, x, slope));
}

// Transcendentals (expm1f, expf, tanhf) come from each device's math library: glibc and CUDA's
// libdevice agree to within a few ulps, not bit for bit, so the activations below can differ in
// the last bits between the CPU twin and a kernel (the arithmetic around them rounds alike).

// ELU: x for x > 0, alpha * (exp(x) - 1) otherwise (torch.nn.functional.elu; expm1 keeps the
// small negative values accurate). NaN goes to the alpha branch and stays NaN.
MGR_HOST_DEVICE inline float elu_value(float x, float alpha) {
  return x > 0.f ? x : fmul(alpha, expm1f(x));
}

// dx + dy * (x > 0 ? 1 : alpha * exp(x)), from the input x as torch does (is_result = false).
MGR_HOST_DEVICE inline float elu_grad_accum(float dx, float dy, float x, float alpha) {
  return fadd(dx, x > 0.f ? dy : fmul(dy, fmul(alpha, expf(x))));
}

MGR_HOST_DEVICE inline float tanh_value(float x) { return tanhf(x); }

// dx + dy * (1 - y * y), from the output y = tanh(x).
MGR_HOST_DEVICE inline float tanh_grad_accum(float dx, float dy, float y) {
  return fadd(dx, fmul(dy, fsub(1.f, fmul(y, y))));
}

// 1 / (1 + exp(-x)); exp overflows to +inf for x < -88.7, giving exactly 0.
MGR_HOST_DEVICE inline float sigmoid_value(float x) { return fdiv(1.f, fadd(1.f, expf(-x))); }

// dx + dy * y * (1 - y), from the output y = sigmoid(x).
MGR_HOST_DEVICE inline float sigmoid_grad_accum(float dx, float dy, float y) {
  return fadd(dx, fmul(fmul(dy, y), fsub(1.f, y)));
}

}  // namespace mgr::kernels
