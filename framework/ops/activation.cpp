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
        Tensor& dx = grad_buffer(x);
        const Tensor& xv2 = x.value();
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          cuda::DeviceGuard g(dy.device().index);
          kernels::cuda::leaky_relu_backward(dx.f32(), dy.f32(), xv2.f32(), dy.numel(),
                                             negative_slope, cuda::stream(dy.device().index));
#endif
        } else {
          kernels::cpu::leaky_relu_backward(dx.f32(), dy.f32(), xv2.f32(), dy.numel(),
                                            negative_slope);
        }
      },
      negative_slope == 0.f ? "relu" : "leaky_relu");
}

Var relu(const Var& x) { return leaky_relu(x, 0.f); }

}  // namespace mgr::ops
