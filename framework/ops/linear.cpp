#include "framework/ops/linear.h"

#include "kernels/cpu/gemm.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/gemm.h"
#endif

namespace mgr::ops {

namespace {

// Row-major C = alpha op(A) op(B) + beta C on the tensors' device.
void gemm(Device dev, bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc) {
  if (dev.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(dev.index);
    kernels::cuda::sgemm(cuda::cublas(dev.index), ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c,
                         ldc);
#endif
  } else {
    kernels::cpu::sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
}

}  // namespace

Var linear(const Var& x, const Var& w, const Var& b) {
  const Tensor& xv = x.value();
  const Tensor& wv = w.value();
  MGR_CHECK(xv.dtype() == DType::F32 && wv.dtype() == DType::F32,
            "linear: f32 tensors expected, got x " << xv.str() << ", w " << wv.str());
  MGR_CHECK(wv.ndim() == 2, "linear: weight must be [out, in], got " << wv.str());
  MGR_CHECK(xv.ndim() >= 1 && xv.dim(-1) == wv.dim(1),
            "linear: x " << xv.str() << " does not end in in_features " << wv.dim(1));
  const bool has_bias = b.defined();
  if (has_bias) {
    check_same_device({&xv, &wv, &b.value()}, "linear");
    check_shape(b.value(), {wv.dim(0)}, "linear bias");
  } else {
    check_same_device({&xv, &wv}, "linear");
  }
  const int64_t in = wv.dim(1), out = wv.dim(0);
  const int64_t rows = in > 0 ? xv.numel() / in : 0;
  Shape y_shape = xv.shape();
  y_shape.back() = out;
  Tensor y = Tensor::empty(y_shape, DType::F32, xv.device());
  const Device dev = xv.device();

  // y = x W^T (+ b)
  gemm(dev, false, true, rows, out, in, 1.f, xv.f32(), in, wv.f32(), in, 0.f, y.f32(), out);
  if (has_bias) {
    if (dev.is_cuda()) {
#if MGR_WITH_CUDA
      cuda::DeviceGuard g(dev.index);
      kernels::cuda::add_bias_rows(y.f32(), b.value().f32(), rows, out, cuda::stream(dev.index));
#endif
    } else {
      kernels::cpu::add_bias_rows(y.f32(), b.value().f32(), rows, out);
    }
  }

  return make_var(
      y, has_bias ? std::vector<Var>{x, w, b} : std::vector<Var>{x, w},
      [x, w, b, rows, in, out](const Tensor& dy) {
        const Device d = dy.device();
        if (x.requires_grad())  // dx [rows, in] += dy [rows, out] W [out, in]
          gemm(d, false, false, rows, in, out, 1.f, dy.f32(), out, w.value().f32(), in, 1.f,
               grad_buffer(x).f32(), in);
        if (w.requires_grad())  // dW [out, in] += dy^T [out, rows] x [rows, in]
          gemm(d, true, false, out, in, rows, 1.f, dy.f32(), out, x.value().f32(), in, 1.f,
               grad_buffer(w).f32(), in);
        if (b.defined() && b.requires_grad()) {
          float* db = grad_buffer(b).f32();
          if (d.is_cuda()) {
#if MGR_WITH_CUDA
            cuda::DeviceGuard g(d.index);
            kernels::cuda::sum_rows_accumulate(db, dy.f32(), rows, out, cuda::stream(d.index));
#endif
          } else {
            kernels::cpu::sum_rows_accumulate(db, dy.f32(), rows, out);
          }
        }
      },
      "linear");
}

}  // namespace mgr::ops
