#include "framework/ops/dropout.h"

#include "kernels/cpu/dropout.h"
#include "kernels/shared/dropout_hash.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/dropout.h"
#endif

namespace mgr::ops {

Var dropout(const Var& x, float p, bool training, uint64_t seed, uint64_t step) {
  MGR_CHECK(p >= 0.f && p < 1.f, "dropout: p must lie in [0, 1), got " << p);
  if (!training || p == 0.f) return x;
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32, "dropout: f32 input expected, got " << xv.str());
  const float scale = 1.f / (1.f - p);
  const uint64_t key = kernels::dropout_key(seed, step);
  Tensor y = Tensor::empty_like(xv);
  if (xv.is_cuda()) {
#if MGR_WITH_CUDA
    const int d = xv.device().index;
    cuda::DeviceGuard g(d);
    kernels::cuda::dropout_forward(y.f32(), xv.f32(), xv.numel(), p, scale, key, cuda::stream(d));
#endif
  } else {
    kernels::cpu::dropout_forward(y.f32(), xv.f32(), xv.numel(), p, scale, key);
  }
  return make_var(
      y, {x},
      [x, p, scale, key](const Tensor& dy) {
        Tensor& dx = grad_buffer(x);
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          const int d = dy.device().index;
          cuda::DeviceGuard g(d);
          kernels::cuda::dropout_backward(dx.f32(), dy.f32(), dy.numel(), p, scale, key,
                                          cuda::stream(d));
#endif
        } else {
          kernels::cpu::dropout_backward(dx.f32(), dy.f32(), dy.numel(), p, scale, key);
        }
      },
      "dropout");
}

}  // namespace mgr::ops
