#include "framework/ops/lrn.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/lrn.h"

#if MGR_WITH_CUDA
#include "framework/cuda/cudnn_descriptors.h"
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"
#endif

namespace mgr::ops {

namespace {

using kernels::cpu::LrnGeometry;

// cuDNN's limits (cudnn_ops.h: CUDNN_LRN_MIN_N, CUDNN_LRN_MAX_N, CUDNN_LRN_MIN_K,
// CUDNN_LRN_MIN_BETA), spelled out so the CPU-only build enforces the same ones. The minima
// are compared as floats, so lrn(..., 0.01f, 1e-5f) is accepted although 0.01f and 1e-5f lie
// just below the doubles 0.01 and 1e-5.
constexpr int kMinSize = 1, kMaxSize = 16;
constexpr float kMinK = 1e-5f, kMinBeta = 0.01f;

#if MGR_WITH_CUDA

static_assert(kMinSize == CUDNN_LRN_MIN_N && kMaxSize == CUDNN_LRN_MAX_N);
static_assert(kMinK == float(CUDNN_LRN_MIN_K) && kMinBeta == float(CUDNN_LRN_MIN_BETA));

struct CudnnLrn {
  cuda::TensorDescriptor x;  // x, y, dy and dx share one shape
  cuda::LrnDescriptor lrn;
  // beta and k are raised to cuDNN's double minima where they sit at the float minima above;
  // cuDNN casts them back to float, which gives the same float again.
  CudnnLrn(const Tensor& t, const LrnGeometry& g)
      : x(int(t.dim(0)), int(t.dim(1)), int(t.dim(2)), int(t.dim(3))),
        lrn(unsigned(g.size), g.alpha, std::max(double(g.beta), CUDNN_LRN_MIN_BETA),
            std::max(double(g.k), CUDNN_LRN_MIN_K)) {}
};

void lrn_forward_cuda(const Tensor& x, Tensor& y, const LrnGeometry& g) {
  const int dev = x.device().index;
  cuda::DeviceGuard guard(dev);
  CudnnLrn d(x, g);
  const float one = 1.f, zero = 0.f;
  MGR_CUDNN_CHECK(cudnnLRNCrossChannelForward(cuda::cudnn(dev), d.lrn, CUDNN_LRN_CROSS_CHANNEL_DIM1,
                                              &one, d.x, x.f32(), &zero, d.x, y.f32()));
}

// dx += the gradient (beta = 1). cuDNN's backward takes the forward output y as well as x.
void lrn_backward_cuda(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor& dx,
                       const LrnGeometry& g) {
  const int dev = x.device().index;
  cuda::DeviceGuard guard(dev);
  CudnnLrn d(x, g);
  const float one = 1.f;
  MGR_CUDNN_CHECK(cudnnLRNCrossChannelBackward(cuda::cudnn(dev), d.lrn,
                                               CUDNN_LRN_CROSS_CHANNEL_DIM1, &one, d.x, y.f32(),
                                               d.x, dy.f32(), d.x, x.f32(), &one, d.x, dx.f32()));
}

#endif  // MGR_WITH_CUDA

}  // namespace

Var lrn(const Var& x, int size, float alpha, float beta, float k) {
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32, "lrn: f32 input expected, got " << xv.str());
  MGR_CHECK(xv.ndim() == 4, "lrn: x must be [N,C,H,W], got " << xv.str());
  MGR_CHECK(size >= kMinSize && size <= kMaxSize && size % 2 == 1,
            "lrn: size must be odd and in [" << kMinSize << ", " << kMaxSize << "] (cuDNN's range; "
                                             << "an even window is centred differently by cuDNN "
                                                "and torch), got "
                                             << size);
  MGR_CHECK(std::isfinite(alpha) && std::isfinite(beta) && std::isfinite(k),
            "lrn: alpha, beta and k must be finite, got " << alpha << ", " << beta << ", " << k);
  MGR_CHECK(k >= kMinK, "lrn: k must be >= " << kMinK << " (cuDNN's minimum), got " << k);
  MGR_CHECK(beta >= kMinBeta,
            "lrn: beta must be >= " << kMinBeta << " (cuDNN's minimum), got " << beta);
  const LrnGeometry g{int(xv.dim(0)), int(xv.dim(1)), xv.dim(2) * xv.dim(3), size, alpha, beta, k};
  Tensor y = Tensor::empty(xv.shape(), DType::F32, xv.device());
  if (y.numel() > 0) {
    if (xv.is_cuda()) {
#if MGR_WITH_CUDA
      lrn_forward_cuda(xv, y, g);
#endif
    } else {
      kernels::cpu::lrn_forward(xv.f32(), y.f32(), g);
    }
  }
  // cuDNN's backward reads the forward output; the CPU recomputes what it needs from x.
  // Capturing y (a Tensor, not the output Var) keeps no cycle in the graph.
  return make_var(
      y, {x},
      [x, y, g](const Tensor& dy) {
        if (dy.numel() == 0) return;
        bool fresh = false;
        Tensor& dx = grad_buffer(x, &fresh);
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          lrn_backward_cuda(x.value(), y, dy, dx, g);
#endif
        } else {
          kernels::cpu::lrn_backward(x.value().f32(), dy.f32(), dx.f32(), g, !fresh);
        }
      },
      "lrn");
}

}  // namespace mgr::ops
