#include "framework/ops/shape_ops.h"

#include "kernels/cpu/permute.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/permute.h"
#endif

namespace mgr::ops {

Var reshape(const Var& x, const Shape& shape) {
  Tensor y = x.value().reshape(shape);
  return make_var(
      y, {x}, [x](const Tensor& dy) { accumulate_grad(x, dy.reshape(x.value().shape())); },
      "reshape");
}

namespace {

// dst (+)= src permuted by perm, on src's device.
void permute_into(Tensor& dst, const Tensor& src, const std::vector<int>& perm, bool accumulate) {
  const int nd = src.ndim();
  const int64_t* shape = src.shape().data();
  if (src.is_cuda()) {
#if MGR_WITH_CUDA
    const int d = src.device().index;
    cuda::DeviceGuard g(d);
    kernels::cuda::permute(dst.f32(), src.f32(), shape, perm.data(), nd, accumulate,
                           cuda::stream(d));
#endif
  } else {
    kernels::cpu::permute(dst.f32(), src.f32(), shape, perm.data(), nd, accumulate);
  }
}

}  // namespace

Var permute(const Var& x, const std::vector<int>& dims) {
  const Tensor& xv = x.value();
  const int nd = xv.ndim();
  MGR_CHECK(xv.dtype() == DType::F32, "permute: f32 input expected, got " << xv.str());
  MGR_CHECK(nd >= 1 && nd <= kernels::kMaxPermuteDims,
            "permute: rank 1.." << kernels::kMaxPermuteDims << " supported, got " << xv.str());
  MGR_CHECK(static_cast<int>(dims.size()) == nd,
            "permute: " << dims.size() << " dims given for " << xv.str());
  std::vector<int> perm(nd), inverse(nd, -1);
  for (int i = 0; i < nd; ++i) {
    const int d = dims[i] < 0 ? dims[i] + nd : dims[i];
    MGR_CHECK(d >= 0 && d < nd && inverse[d] < 0, "permute: dims is not a permutation of 0.."
                                                      << nd - 1 << " (entry " << dims[i] << ")");
    perm[i] = d;
    inverse[d] = i;
  }
  Shape y_shape(nd);
  for (int i = 0; i < nd; ++i) y_shape[i] = xv.shape()[perm[i]];
  Tensor y = Tensor::empty(y_shape, DType::F32, xv.device());
  permute_into(y, xv, perm, false);
  return make_var(
      y, {x},
      [x, inverse](const Tensor& dy) {
        Tensor& dx = grad_buffer(x);
        permute_into(dx, dy, inverse, true);
      },
      "permute");
}

Var select_time(const Var& x, int t) {
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32 && xv.ndim() == 3,
            "select_time: f32 [B, T, F] expected, got " << xv.str());
  const int64_t B = xv.dim(0), T = xv.dim(1), F = xv.dim(2);
  const int64_t tt = t < 0 ? t + T : t;
  MGR_CHECK(tt >= 0 && tt < T, "select_time: step " << t << " out of range for " << xv.str());
  Tensor y = Tensor::empty({B, F}, DType::F32, xv.device());
  if (xv.is_cuda()) {
#if MGR_WITH_CUDA
    const int d = xv.device().index;
    cuda::DeviceGuard g(d);
    kernels::cuda::select_middle(y.f32(), xv.f32(), B, T, F, tt, cuda::stream(d));
#endif
  } else {
    kernels::cpu::select_middle(y.f32(), xv.f32(), B, T, F, tt);
  }
  return make_var(
      y, {x},
      [x, B, T, F, tt](const Tensor& dy) {
        Tensor& dx = grad_buffer(x);
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          const int d = dy.device().index;
          cuda::DeviceGuard g(d);
          kernels::cuda::select_middle_backward(dx.f32(), dy.f32(), B, T, F, tt, cuda::stream(d));
#endif
        } else {
          kernels::cpu::select_middle_backward(dx.f32(), dy.f32(), B, T, F, tt);
        }
      },
      "select_time");
}

}  // namespace mgr::ops
