#include "framework/ops/loss.h"

#include "kernels/cpu/bce_logits.h"
#include "kernels/cpu/softmax.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/bce_logits.h"
#include "kernels/cuda/softmax.h"
#endif

namespace mgr::ops {

void check_labels(const Tensor& labels, int64_t n, int64_t num_classes) {
  MGR_CHECK(labels.dtype() == DType::I32 && labels.device().is_cpu(),
            "labels must be an i32 CPU tensor here, got " << labels.str());
  check_shape(labels, {n}, "labels");
  const int32_t* l = labels.i32();
  for (int64_t i = 0; i < n; ++i)
    MGR_CHECK(l[i] >= 0 && l[i] < num_classes,
              "label " << l[i] << " at index " << i << " is outside [0, " << num_classes << ")");
}

Var softmax_cross_entropy(const Var& logits, const Tensor& labels) {
  const Tensor& x = logits.value();
  MGR_CHECK(x.dtype() == DType::F32 && x.ndim() == 2,
            "softmax_cross_entropy: logits must be f32 [N, C], got " << x.str());
  const int64_t rows = x.dim(0), cols = x.dim(1);
  MGR_CHECK(rows >= 1 && cols >= 1,
            "softmax_cross_entropy: empty batch or no classes in " << x.str());
  MGR_CHECK(labels.defined() && labels.dtype() == DType::I32,
            "softmax_cross_entropy: labels must be i32, got "
                << (labels.defined() ? labels.str() : std::string("undefined")));
  check_shape(labels, {rows}, "softmax_cross_entropy labels");
  Tensor lab = labels;
  if (lab.device().is_cpu()) {
    check_labels(lab, rows, cols);
    lab = lab.to(x.device());
  }
  check_same_device({&x, &lab}, "softmax_cross_entropy");

  const Device dev = x.device();
  Tensor probs = Tensor::empty(x.shape(), DType::F32, dev);
  Tensor row_loss = Tensor::empty({rows}, DType::F32, dev);
  Tensor loss = Tensor::empty({1}, DType::F32, dev);
  if (dev.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(dev.index);
    kernels::cuda::softmax_cross_entropy_forward(probs.f32(), row_loss.f32(), loss.f32(), x.f32(),
                                                 lab.i32(), rows, cols, cuda::stream(dev.index));
#endif
  } else {
    loss.f32()[0] = kernels::cpu::softmax_cross_entropy_forward(probs.f32(), row_loss.f32(),
                                                                x.f32(), lab.i32(), rows, cols);
  }
  return make_var(
      loss, {logits},
      [logits, probs, lab, rows, cols](const Tensor& dloss) {
        Tensor& dx = grad_buffer(logits);
        if (dloss.is_cuda()) {
#if MGR_WITH_CUDA
          cuda::DeviceGuard g(dloss.device().index);
          kernels::cuda::softmax_cross_entropy_backward(dx.f32(), probs.f32(), lab.i32(),
                                                        dloss.f32(), rows, cols,
                                                        cuda::stream(dloss.device().index));
#endif
        } else {
          kernels::cpu::softmax_cross_entropy_backward(dx.f32(), probs.f32(), lab.i32(),
                                                       dloss.f32(), rows, cols);
        }
      },
      "softmax_cross_entropy");
}

Var bce_with_logits(const Var& logits, const Tensor& targets) {
  const Tensor& x = logits.value();
  MGR_CHECK(x.dtype() == DType::F32, "bce_with_logits: logits must be f32, got " << x.str());
  MGR_CHECK(targets.defined() && targets.dtype() == DType::F32,
            "bce_with_logits: targets must be f32, got "
                << (targets.defined() ? targets.str() : std::string("undefined")));
  check_shape(targets, x.shape(), "bce_with_logits targets");
  const Tensor t = targets.device() == x.device() ? targets : targets.to(x.device());
  const int64_t n = x.numel();
  const Device dev = x.device();
  Tensor elem = Tensor::empty({n}, DType::F32, dev);
  Tensor loss = Tensor::empty({1}, DType::F32, dev);
  if (dev.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(dev.index);
    kernels::cuda::bce_logits_forward(elem.f32(), loss.f32(), x.f32(), t.f32(), n,
                                      cuda::stream(dev.index));
#endif
  } else {
    loss.f32()[0] = kernels::cpu::bce_logits_forward(elem.f32(), x.f32(), t.f32(), n);
  }
  return make_var(
      loss, {logits},
      [logits, t, n](const Tensor& dloss) {
        Tensor& dx = grad_buffer(logits);
        const Tensor& xv = logits.value();
        if (dloss.is_cuda()) {
#if MGR_WITH_CUDA
          cuda::DeviceGuard g(dloss.device().index);
          kernels::cuda::bce_logits_backward(dx.f32(), xv.f32(), t.f32(), dloss.f32(), n,
                                             cuda::stream(dloss.device().index));
#endif
        } else {
          kernels::cpu::bce_logits_backward(dx.f32(), xv.f32(), t.f32(), dloss.f32()[0], n);
        }
      },
      "bce_with_logits");
}

Tensor softmax(const Tensor& logits) {
  MGR_CHECK(logits.dtype() == DType::F32 && logits.ndim() >= 1,
            "softmax: f32 input expected, got " << logits.str());
  const int64_t cols = logits.dim(-1);
  const int64_t rows = cols > 0 ? logits.numel() / cols : 0;
  Tensor y = Tensor::empty_like(logits);
  if (logits.is_cuda()) {
#if MGR_WITH_CUDA
    const int d = logits.device().index;
    cuda::DeviceGuard g(d);
    kernels::cuda::softmax_rows(y.f32(), logits.f32(), rows, cols, cuda::stream(d));
#endif
  } else {
    kernels::cpu::softmax_rows(y.f32(), logits.f32(), rows, cols);
  }
  return y;
}

}  // namespace mgr::ops
