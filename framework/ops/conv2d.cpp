#include "framework/ops/conv2d.h"

#include "kernels/cpu/conv2d.h"

#if MGR_WITH_CUDA
#include "framework/ops/conv2d_cudnn.h"
#endif

namespace mgr::ops {

using kernels::cpu::Conv2dGeometry;
#if MGR_WITH_CUDA
using detail::conv2d_backward_cuda;
using detail::conv2d_forward_cuda;
#endif

Var conv2d(const Var& x, const Var& w, const Var& b, int stride_h, int stride_w, int pad_h,
           int pad_w, int dilation_h, int dilation_w) {
  const Tensor& xv = x.value();
  const Tensor& wv = w.value();
  const bool has_bias = b.defined();
  MGR_CHECK(xv.dtype() == DType::F32 && wv.dtype() == DType::F32,
            "conv2d: f32 tensors expected, got x " << xv.str() << ", w " << wv.str());
  MGR_CHECK(xv.ndim() == 4, "conv2d: x must be [N,C,H,W], got " << xv.str());
  MGR_CHECK(wv.ndim() == 4, "conv2d: w must be [K,C,kh,kw], got " << wv.str());
  MGR_CHECK(wv.dim(1) == xv.dim(1), "conv2d: x has " << xv.dim(1) << " channels but w expects "
                                                     << wv.dim(1) << " (" << wv.str() << ")");
  MGR_CHECK(stride_h >= 1 && stride_w >= 1 && pad_h >= 0 && pad_w >= 0,
            "conv2d: bad stride " << stride_h << "x" << stride_w << " or padding " << pad_h << "x"
                                  << pad_w);
  MGR_CHECK(dilation_h >= 1 && dilation_w >= 1,
            "conv2d: bad dilation " << dilation_h << "x" << dilation_w << " (must be >= 1)");
  check_same_device({&xv, &wv}, "conv2d");
  if (has_bias) {
    check_shape(b.value(), {wv.dim(0)}, "conv2d bias");
    check_same_device({&xv, &b.value()}, "conv2d");
  }
  const Conv2dGeometry g{int(xv.dim(0)), int(xv.dim(1)), int(xv.dim(2)), int(xv.dim(3)),
                         int(wv.dim(0)), int(wv.dim(2)), int(wv.dim(3)), stride_h,
                         stride_w,       pad_h,          pad_w,          dilation_h,
                         dilation_w};
  MGR_CHECK(xv.dim(2) + 2 * pad_h >= g.span_h() && xv.dim(3) + 2 * pad_w >= g.span_w(),
            "conv2d: kernel " << wv.dim(2) << "x" << wv.dim(3) << " (dilation " << dilation_h << "x"
                              << dilation_w << ", extent " << g.span_h() << "x" << g.span_w()
                              << ") larger than padded input " << xv.str() << " (padding " << pad_h
                              << "x" << pad_w << ")");
  MGR_CHECK(g.n > 0 && g.c > 0 && g.k > 0,
            "conv2d: empty input " << xv.str() << " or weight " << wv.str());
  Tensor y = Tensor::empty({g.n, g.k, g.out_h(), g.out_w()}, DType::F32, xv.device());

  if (xv.is_cuda()) {
#if MGR_WITH_CUDA
    conv2d_forward_cuda(xv, wv, has_bias ? &b.value() : nullptr, y, g);
#endif
  } else {
    kernels::cpu::conv2d_forward(xv.f32(), wv.f32(), has_bias ? b.value().f32() : nullptr, y.f32(),
                                 g);
  }

  std::vector<Var> inputs{x, w};
  if (has_bias) inputs.push_back(b);
  return make_var(
      y, inputs,
      [x, w, b, g](const Tensor& dy) {
        bool dx_fresh = false;
        Tensor* dx = x.requires_grad() ? &grad_buffer(x, &dx_fresh) : nullptr;
        Tensor* dw = w.requires_grad() ? &grad_buffer(w) : nullptr;
        Tensor* db = b.defined() && b.requires_grad() ? &grad_buffer(b) : nullptr;
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          conv2d_backward_cuda(&x.value(), w.value(), dy, dx, dw, db, g);
#endif
        } else {
          kernels::cpu::conv2d_backward(x.value().f32(), w.value().f32(), dy.f32(),
                                        dx ? dx->f32() : nullptr, dw ? dw->f32() : nullptr,
                                        db ? db->f32() : nullptr, g, !dx_fresh);
        }
      },
      "conv2d");
}

}  // namespace mgr::ops
