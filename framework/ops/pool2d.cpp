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
  CudnnPool(cudnnPoolingMode_t mode, const Pool2dGeometry& g)
      : x(g.n, g.c, g.h, g.w),
        y(g.n, g.c, g.out_h(), g.out_w()),
        pool(mode, g.kh, g.kw, g.sh, g.sw) {}
};

constexpr cudnnPoolingMode_t kMaxMode = CUDNN_POOLING_MAX_DETERMINISTIC;
// Without padding every window holds kh*kw elements, so include and exclude agree.
constexpr cudnnPoolingMode_t kAvgMode = CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING;

void pool2d_forward_cuda(cudnnPoolingMode_t mode, const Tensor& x, Tensor& y,
                         const Pool2dGeometry& g) {
  const int dev = x.device().index;
  cuda::DeviceGuard guard(dev);
  CudnnPool d(mode, g);
  const float one = 1.f, zero = 0.f;
  MGR_CUDNN_CHECK(
      cudnnPoolingForward(cuda::cudnn(dev), d.pool, &one, d.x, x.f32(), &zero, d.y, y.f32()));
}

// dx += the pooled gradient (beta = 1). cuDNN's signature takes the forward input and output
// for every mode; average pooling needs neither mathematically, but the real tensors are
// passed whatever cuDNN reads.
void pool2d_backward_cuda(cudnnPoolingMode_t mode, const Tensor& x, const Tensor& y,
                          const Tensor& dy, Tensor& dx, const Pool2dGeometry& g) {
  const int dev = x.device().index;
  cuda::DeviceGuard guard(dev);
  CudnnPool d(mode, g);
  const float one = 1.f;
  MGR_CUDNN_CHECK(cudnnPoolingBackward(cuda::cudnn(dev), d.pool, &one, d.y, y.f32(), d.y, dy.f32(),
                                       d.x, x.f32(), &one, d.x, dx.f32()));
}

#endif  // MGR_WITH_CUDA

// Checks the arguments shared by both poolings and returns the geometry.
Pool2dGeometry pool_geometry(const Tensor& xv, int kh, int kw, int sh, int sw, const char* op) {
  MGR_CHECK(xv.dtype() == DType::F32, op << ": f32 input expected, got " << xv.str());
  MGR_CHECK(xv.ndim() == 4, op << ": x must be [N,C,H,W], got " << xv.str());
  MGR_CHECK(kh >= 1 && kw >= 1 && sh >= 1 && sw >= 1,
            op << ": bad kernel " << kh << "x" << kw << " or stride " << sh << "x" << sw);
  MGR_CHECK(xv.dim(2) >= kh && xv.dim(3) >= kw,
            op << ": kernel " << kh << "x" << kw << " larger than input " << xv.str());
  return Pool2dGeometry{
      int(xv.dim(0)), int(xv.dim(1)), int(xv.dim(2)), int(xv.dim(3)), kh, kw, sh, sw};
}

}  // namespace

namespace {

// Both pooling modes: the same geometry, dispatch and closure; the CPU kernels differ (max
// recomputes each window's argmax from x, average needs neither x nor y), cuDNN takes the mode.
// cuDNN's backward wants x and the forward output y; y is captured as a Tensor, not the output
// Var, so the graph keeps no cycle.
Var pool2d(const Var& x, int kh, int kw, int sh, int sw, bool max) {
  const Tensor& xv = x.value();
  const char* op = max ? "max_pool2d" : "avg_pool2d";
  const Pool2dGeometry g = pool_geometry(xv, kh, kw, sh, sw, op);
  Tensor y = Tensor::empty({g.n, g.c, g.out_h(), g.out_w()}, DType::F32, xv.device());
  if (y.numel() > 0) {
    if (xv.is_cuda()) {
#if MGR_WITH_CUDA
      pool2d_forward_cuda(max ? kMaxMode : kAvgMode, xv, y, g);
#endif
    } else if (max) {
      kernels::cpu::max_pool2d_forward(xv.f32(), y.f32(), g);
    } else {
      kernels::cpu::avg_pool2d_forward(xv.f32(), y.f32(), g);
    }
  }
  return make_var(
      y, {x},
      [x, y, g, max](const Tensor& dy) {
        if (dy.numel() == 0) return;
        bool fresh = false;
        Tensor& dx = grad_buffer(x, &fresh);
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          pool2d_backward_cuda(max ? kMaxMode : kAvgMode, x.value(), y, dy, dx, g);
#endif
        } else if (max) {
          kernels::cpu::max_pool2d_backward(x.value().f32(), dy.f32(), dx.f32(), g, !fresh);
        } else {
          kernels::cpu::avg_pool2d_backward(dy.f32(), dx.f32(), g, !fresh);
        }
      },
      op);
}

}  // namespace

Var max_pool2d(const Var& x, int kh, int kw, int sh, int sw) {
  return pool2d(x, kh, kw, sh, sw, true);
}

Var avg_pool2d(const Var& x, int kh, int kw, int sh, int sw) {
  return pool2d(x, kh, kw, sh, sw, false);
}

}  // namespace mgr::ops
