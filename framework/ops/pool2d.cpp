#include "framework/ops/pool2d.h"

#include "kernels/cpu/pool2d.h"

#if MGR_WITH_CUDA
#include "framework/cuda/cudnn_descriptors.h"
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"
#endif

namespace mgr::ops {

namespace {

using kernels::cpu::Pool2dGeometry;

#if MGR_WITH_CUDA

struct CudnnPool {
  cuda::TensorDescriptor x, y;
  cuda::PoolingDescriptor pool;
  explicit CudnnPool(const Pool2dGeometry& g)
      : x(g.n, g.c, g.h, g.w),
        y(g.n, g.c, g.out_h(), g.out_w()),
        pool(CUDNN_POOLING_MAX_DETERMINISTIC, g.kh, g.kw, g.sh, g.sw) {}
};

void max_pool2d_forward_cuda(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  const int dev = x.device().index;
  cuda::DeviceGuard guard(dev);
  CudnnPool d(g);
  const float one = 1.f, zero = 0.f;
  MGR_CUDNN_CHECK(
      cudnnPoolingForward(cuda::cudnn(dev), d.pool, &one, d.x, x.f32(), &zero, d.y, y.f32()));
}

// dx += the routed gradient (beta = 1).
void max_pool2d_backward_cuda(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx,
                              const Pool2dGeometry& g) {
  const int dev = x.device().index;
  cuda::DeviceGuard guard(dev);
  CudnnPool d(g);
  const float one = 1.f;
  MGR_CUDNN_CHECK(cudnnPoolingBackward(cuda::cudnn(dev), d.pool, &one, d.y, y.f32(), d.y, dy.f32(),
                                       d.x, x.f32(), &one, d.x, dx.f32()));
}

#endif  // MGR_WITH_CUDA

}  // namespace

Var max_pool2d(const Var& x, int kh, int kw, int sh, int sw) {
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32, "max_pool2d: f32 input expected, got " << xv.str());
  MGR_CHECK(xv.ndim() == 4, "max_pool2d: x must be [N,C,H,W], got " << xv.str());
  MGR_CHECK(kh >= 1 && kw >= 1 && sh >= 1 && sw >= 1,
            "max_pool2d: bad kernel " << kh << "x" << kw << " or stride " << sh << "x" << sw);
  MGR_CHECK(xv.dim(2) >= kh && xv.dim(3) >= kw,
            "max_pool2d: kernel " << kh << "x" << kw << " larger than input " << xv.str());
  const Pool2dGeometry g{
      int(xv.dim(0)), int(xv.dim(1)), int(xv.dim(2)), int(xv.dim(3)), kh, kw, sh, sw};
  Tensor y = Tensor::empty({g.n, g.c, g.out_h(), g.out_w()}, DType::F32, xv.device());
  if (y.numel() > 0) {
    if (xv.is_cuda()) {
#if MGR_WITH_CUDA
      max_pool2d_forward_cuda(xv, y, g);
#endif
    } else {
      kernels::cpu::max_pool2d_forward(xv.f32(), y.f32(), g);
    }
  }
  // cuDNN's backward wants the forward output too; the CPU recomputes the argmax from x.
  // Capturing y (a Tensor, not the output Var) keeps no cycle in the graph.
  return make_var(
      y, {x},
      [x, y, g](const Tensor& dy) {
        if (dy.numel() == 0) return;
        Tensor& dx = grad_buffer(x);
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          max_pool2d_backward_cuda(x.value(), y, dy, dx, g);
#endif
        } else {
          kernels::cpu::max_pool2d_backward(x.value().f32(), dy.f32(), dx.f32(), g);
        }
      },
      "max_pool2d");
}

}  // namespace mgr::ops
