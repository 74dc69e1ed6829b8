// The op pattern every op in framework/ops follows: allocate the result on the input's device,
// dispatch on that device to kernels/cpu or kernels/cuda (never on a global mode; a tensor on
// CUDA never falls back to the CPU silently), and record a closure that does the same for the
// backward pass.
#include "framework/ops/activation.h"

#include "kernels/cpu/elementwise.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/elementwise.h"
#endif

namespace mgr::ops {

Var leaky_relu(const Var& x, float negative_slope) {
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32, "leaky_relu: f32 input expected, got " << xv.str());
  Tensor y = Tensor::empty_like(xv);
  if (xv.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(xv.device().index);
    kernels::cuda::leaky_relu_forward(y.f32(), xv.f32(), xv.numel(), negative_slope,
                                      cuda::stream(xv.device().index));
#endif
  } else {
    kernels::cpu::leaky_relu_forward(y.f32(), xv.f32(), xv.numel(), negative_slope);
  }
  return make_var(
      y, {x},
      [x, negative_slope](const Tensor& dy) {
        bool fresh = false;
        Tensor& dx = grad_buffer(x, &fresh);
        const Tensor& xv2 = x.value();
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          cuda::DeviceGuard g(dy.device().index);
          kernels::cuda::leaky_relu_backward(dx.f32(), dy.f32(), xv2.f32(), dy.numel(),
                                             negative_slope, cuda::stream(dy.device().index));
#endif
        } else {
          kernels::cpu::leaky_relu_backward(dx.f32(), dy.f32(), xv2.f32(), dy.numel(),
                                            negative_slope, /*accumulate=*/!fresh);
        }
      },
      negative_slope == 0.f ? "relu" : "leaky_relu");
}

Var relu(const Var& x) { return leaky_relu(x, 0.f); }

// The activations below dispatch through this: kernels::cpu::NAME(args...) for a CPU tensor t,
// kernels::cuda::NAME(args..., stream) with t's device current for a CUDA one.
#if MGR_WITH_CUDA
#define MGR_ACTIVATION_ON_DEVICE(t, name, ...)              \
  do {                                                      \
    if ((t).is_cuda()) {                                    \
      const int dev_ = (t).device().index;                  \
      cuda::DeviceGuard guard_(dev_);                       \
      kernels::cuda::name(__VA_ARGS__, cuda::stream(dev_)); \
    } else {                                                \
      kernels::cpu::name(__VA_ARGS__);                      \
    }                                                       \
  } while (0)
#else
#define MGR_ACTIVATION_ON_DEVICE(t, name, ...) kernels::cpu::name(__VA_ARGS__)
#endif

Var elu(const Var& x, float alpha) {
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32, "elu: f32 input expected, got " << xv.str());
  Tensor y = Tensor::empty_like(xv);
  MGR_ACTIVATION_ON_DEVICE(xv, elu_forward, y.f32(), xv.f32(), xv.numel(), alpha);
  return make_var(
      y, {x},
      [x, alpha](const Tensor& dy) {
        Tensor& dx = grad_buffer(x);
        MGR_ACTIVATION_ON_DEVICE(dy, elu_backward, dx.f32(), dy.f32(), x.value().f32(), dy.numel(),
                                 alpha);
      },
      "elu");
}

// tanh and sigmoid: the closure keeps the output Tensor (not its Var, which would own the
// closure: a cycle).
Var tanh(const Var& x) {
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32, "tanh: f32 input expected, got " << xv.str());
  Tensor y = Tensor::empty_like(xv);
  MGR_ACTIVATION_ON_DEVICE(xv, tanh_forward, y.f32(), xv.f32(), xv.numel());
  return make_var(
      y, {x},
      [x, y](const Tensor& dy) {
        Tensor& dx = grad_buffer(x);
        MGR_ACTIVATION_ON_DEVICE(dy, tanh_backward, dx.f32(), dy.f32(), y.f32(), dy.numel());
      },
      "tanh");
}

Var sigmoid(const Var& x) {
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32, "sigmoid: f32 input expected, got " << xv.str());
  Tensor y = Tensor::empty_like(xv);
  MGR_ACTIVATION_ON_DEVICE(xv, sigmoid_forward, y.f32(), xv.f32(), xv.numel());
  return make_var(
      y, {x},
      [x, y](const Tensor& dy) {
        Tensor& dx = grad_buffer(x);
        MGR_ACTIVATION_ON_DEVICE(dy, sigmoid_backward, dx.f32(), dy.f32(), y.f32(), dy.numel());
      },
      "sigmoid");
}

#undef MGR_ACTIVATION_ON_DEVICE

}  // namespace mgr::ops
