#include "framework/ops/batchnorm2d.h"

#include <cmath>
#include <vector>

#include "kernels/cpu/batchnorm2d.h"
#include "kernels/shared/batchnorm_eval.h"

#if MGR_WITH_CUDA
#include "framework/cuda/cudnn_descriptors.h"
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/batchnorm2d.h"
#include "kernels/cuda/check.h"
#endif

namespace mgr::ops {

namespace {

struct BnShape {
  int n, c;
  int64_t h, w;
  int64_t hw() const { return h * w; }
};

#if MGR_WITH_CUDA

struct CudnnBn {
  cuda::TensorDescriptor x, param;
  explicit CudnnBn(const BnShape& s) : x(s.n, s.c, int(s.h), int(s.w)), param(1, s.c, 1, 1) {}
};

void check_cudnn_eps(float eps) {
  MGR_CHECK(eps >= CUDNN_BN_MIN_EPSILON,
            "batch_norm2d: cuDNN needs eps >= " << CUDNN_BN_MIN_EPSILON << ", got " << eps);
}

#endif  // MGR_WITH_CUDA

}  // namespace

Var batch_norm2d(const Var& x, const Var& gamma, const Var& beta, Tensor& running_mean,
                 Tensor& running_var, bool training, float momentum, float eps) {
  const Tensor& xv = x.value();
  MGR_CHECK(xv.dtype() == DType::F32, "batch_norm2d: f32 input expected, got " << xv.str());
  MGR_CHECK(xv.ndim() == 4, "batch_norm2d: x must be [N,C,H,W], got " << xv.str());
  const BnShape s{int(xv.dim(0)), int(xv.dim(1)), xv.dim(2), xv.dim(3)};
  const Shape cshape{s.c};
  check_shape(gamma.value(), cshape, "batch_norm2d gamma");
  check_shape(beta.value(), cshape, "batch_norm2d beta");
  check_shape(running_mean, cshape, "batch_norm2d running_mean");
  check_shape(running_var, cshape, "batch_norm2d running_var");
  check_same_device({&xv, &gamma.value(), &beta.value(), &running_mean, &running_var},
                    "batch_norm2d");
  MGR_CHECK(eps > 0.f, "batch_norm2d: eps must be positive, got " << eps);
  MGR_CHECK(s.n > 0 && s.hw() > 0, "batch_norm2d: empty input " << xv.str());
  MGR_CHECK(!training || int64_t(s.n) * s.hw() > 1,
            "batch_norm2d: training needs more than one value per channel, got " << xv.str());

  Tensor y = Tensor::empty_like(xv);
  // The statistics the output was normalised with: batch mean and 1/sqrt(var+eps) in
  // training; in evaluation copies of the running mean and variance (the backward pass must
  // not see later updates of the buffers).
  Tensor mean, stat2;
  const Tensor& g = gamma.value();
  const Tensor& b = beta.value();
  if (xv.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = xv.device().index;
    cuda::DeviceGuard guard(dev);
    check_cudnn_eps(eps);
    CudnnBn d(s);
    const float one = 1.f, zero = 0.f;
    if (training) {
      mean = Tensor::empty(cshape, DType::F32, xv.device());
      stat2 = Tensor::empty(cshape, DType::F32, xv.device());
      // cuDNN's exponentialAverageFactor is the momentum, and it too keeps the running
      // variance unbiased.
      MGR_CUDNN_CHECK(cudnnBatchNormalizationForwardTraining(
          cuda::cudnn(dev), CUDNN_BATCHNORM_SPATIAL, &one, &zero, d.x, xv.f32(), d.x, y.f32(),
          d.param, g.f32(), b.f32(), double(momentum), running_mean.f32(), running_var.f32(),
          double(eps), mean.f32(), stat2.f32()));
    } else {
      mean = running_mean.clone();
      stat2 = running_var.clone();
      MGR_CUDNN_CHECK(cudnnBatchNormalizationForwardInference(
          cuda::cudnn(dev), CUDNN_BATCHNORM_SPATIAL, &one, &zero, d.x, xv.f32(), d.x, y.f32(),
          d.param, g.f32(), b.f32(), mean.f32(), stat2.f32(), double(eps)));
    }
#endif
  } else {
    if (training) {
      mean = Tensor::empty(cshape);
      stat2 = Tensor::empty(cshape);
      kernels::cpu::batchnorm2d_forward_train(xv.f32(), g.f32(), b.f32(), y.f32(),
                                              running_mean.f32(), running_var.f32(), mean.f32(),
                                              stat2.f32(), s.n, s.c, s.hw(), momentum, eps);
    } else {
      mean = running_mean.clone();
      stat2 = running_var.clone();
      kernels::cpu::batchnorm2d_forward_eval(xv.f32(), g.f32(), b.f32(), y.f32(), mean.f32(),
                                             stat2.f32(), s.n, s.c, s.hw(), eps);
    }
  }

  return make_var(
      y, {x, gamma, beta},
      [x, gamma, beta, mean, stat2, s, training, eps](const Tensor& dy) {
        Tensor* dx = x.requires_grad() ? &grad_buffer(x) : nullptr;
        Tensor* dg = gamma.requires_grad() ? &grad_buffer(gamma) : nullptr;
        Tensor* db = beta.requires_grad() ? &grad_buffer(beta) : nullptr;
        const Tensor& xv2 = x.value();
        const Tensor& g2 = gamma.value();
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          const int dev = dy.device().index;
          cuda::DeviceGuard guard(dev);
          if (training) {
            // cuDNN always writes all three gradients; blend (beta = 1) into ours and give it
            // zeroed scratch for the ones nobody wants.
            Tensor dx_s = dx ? *dx : Tensor::zeros_like(xv2);
            Tensor dg_s = dg ? *dg : Tensor::zeros_like(g2);
            Tensor db_s = db ? *db : Tensor::zeros_like(g2);
            CudnnBn d(s);
            const float one = 1.f;
            MGR_CUDNN_CHECK(cudnnBatchNormalizationBackward(
                cuda::cudnn(dev), CUDNN_BATCHNORM_SPATIAL, &one, &one, &one, &one, d.x, xv2.f32(),
                d.x, dy.f32(), d.x, dx_s.f32(), d.param, g2.f32(), dg_s.f32(), db_s.f32(),
                double(eps), mean.f32(), stat2.f32()));
          } else {
            kernels::cuda::batchnorm2d_backward_eval(
                xv2.f32(), g2.f32(), dy.f32(), mean.f32(), stat2.f32(), eps,
                dx ? dx->f32() : nullptr, dg ? dg->f32() : nullptr, db ? db->f32() : nullptr, s.n,
                s.c, s.hw(), cuda::stream(dev));
          }
#endif
        } else {
          std::vector<float> invstd;
          const float* is = stat2.f32();
          if (!training) {  // stat2 holds the running variance
            invstd.resize(static_cast<size_t>(s.c));
            for (int c = 0; c < s.c; ++c) invstd[c] = kernels::bn_invstd(stat2.f32()[c], eps);
            is = invstd.data();
          }
          kernels::cpu::batchnorm2d_backward(
              xv2.f32(), g2.f32(), dy.f32(), mean.f32(), is, training, dx ? dx->f32() : nullptr,
              dg ? dg->f32() : nullptr, db ? db->f32() : nullptr, s.n, s.c, s.hw());
        }
      },
      "batch_norm2d");
}

}  // namespace mgr::ops
