#include "framework/ops/conv_transpose2d.h"

#include "kernels/cpu/channel_bias.h"
#include "kernels/cpu/conv2d.h"

#if MGR_WITH_CUDA
#include "framework/cuda/cudnn_descriptors.h"
#include "framework/ops/conv2d_cudnn.h"
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/check.h"
#endif

namespace mgr::ops {

namespace {

using kernels::cpu::Conv2dGeometry;

#if MGR_WITH_CUDA
// y [N, C, H, W] += b [C] (beta = 1 adds to y).
void add_bias_cuda(Tensor& y, const Tensor& b) {
  const int dev = y.device().index;
  cuda::DeviceGuard guard(dev);
  cuda::TensorDescriptor yd(int(y.dim(0)), int(y.dim(1)), int(y.dim(2)), int(y.dim(3)));
  cuda::TensorDescriptor bd(1, int(y.dim(1)), 1, 1);
  const float one = 1.f;
  MGR_CUDNN_CHECK(cudnnAddTensor(cuda::cudnn(dev), &one, bd, b.f32(), &one, yd, y.f32()));
}

// db [C] += sum of dy [N, C, H, W] over batch and space.
void bias_grad_cuda(Tensor& db, const Tensor& dy) {
  const int dev = dy.device().index;
  cuda::DeviceGuard guard(dev);
  cuda::TensorDescriptor dyd(int(dy.dim(0)), int(dy.dim(1)), int(dy.dim(2)), int(dy.dim(3)));
  cuda::TensorDescriptor bd(1, int(dy.dim(1)), 1, 1);
  const float one = 1.f;
  MGR_CUDNN_CHECK(
      cudnnConvolutionBackwardBias(cuda::cudnn(dev), &one, dyd, dy.f32(), &one, bd, db.f32()));
}
#endif

}  // namespace

int64_t conv_transpose_out(int64_t in, int kernel, int stride, int pad, int out_pad, int dilation) {
  return (in - 1) * stride - 2 * int64_t(pad) + int64_t(dilation) * (kernel - 1) + out_pad + 1;
}

Var conv_transpose2d(const Var& x, const Var& w, const Var& b, int stride_h, int stride_w,
                     int pad_h, int pad_w, int out_pad_h, int out_pad_w, int dilation_h,
                     int dilation_w) {
  const Tensor& xv = x.value();
  const Tensor& wv = w.value();
  const bool has_bias = b.defined();
  MGR_CHECK(xv.dtype() == DType::F32 && wv.dtype() == DType::F32,
            "conv_transpose2d: f32 tensors expected, got x " << xv.str() << ", w " << wv.str());
  MGR_CHECK(xv.ndim() == 4, "conv_transpose2d: x must be [N,Cin,H,W], got " << xv.str());
  MGR_CHECK(wv.ndim() == 4, "conv_transpose2d: w must be [Cin,Cout,kh,kw], got " << wv.str());
  MGR_CHECK(wv.dim(0) == xv.dim(1), "conv_transpose2d: x has "
                                        << xv.dim(1) << " channels but w expects " << wv.dim(0)
                                        << " (" << wv.str() << ")");
  MGR_CHECK(stride_h >= 1 && stride_w >= 1 && pad_h >= 0 && pad_w >= 0 && dilation_h >= 1 &&
                dilation_w >= 1,
            "conv_transpose2d: bad stride " << stride_h << "x" << stride_w << ", padding " << pad_h
                                            << "x" << pad_w << " or dilation " << dilation_h << "x"
                                            << dilation_w);
  MGR_CHECK(out_pad_h >= 0 && out_pad_w >= 0 && out_pad_h < stride_h && out_pad_w < stride_w,
            "conv_transpose2d: output padding " << out_pad_h << "x" << out_pad_w
                                                << " must be >= 0 and smaller than the stride "
                                                << stride_h << "x" << stride_w);
  check_same_device({&xv, &wv}, "conv_transpose2d");
  if (has_bias) {
    check_shape(b.value(), {wv.dim(1)}, "conv_transpose2d bias");
    check_same_device({&xv, &b.value()}, "conv_transpose2d");
  }
  const int kh = int(wv.dim(2)), kw = int(wv.dim(3));
  const int64_t oh = conv_transpose_out(xv.dim(2), kh, stride_h, pad_h, out_pad_h, dilation_h);
  const int64_t ow = conv_transpose_out(xv.dim(3), kw, stride_w, pad_w, out_pad_w, dilation_w);
  MGR_CHECK(oh >= 1 && ow >= 1, "conv_transpose2d: the padding "
                                    << pad_h << "x" << pad_w << " leaves no output for input "
                                    << xv.str() << " and kernel " << kh << "x" << kw);
  MGR_CHECK(xv.dim(0) > 0 && xv.dim(1) > 0 && wv.dim(1) > 0,
            "conv_transpose2d: empty input " << xv.str() << " or weight " << wv.str());
  // The convolution this is the adjoint of: its input is our output (Cout channels, oh x ow),
  // its output our input (Cin channels, H x W), its filter [Cin, Cout, kh, kw] our weight.
  const Conv2dGeometry g{
      int(xv.dim(0)), int(wv.dim(1)), int(oh), int(ow), int(wv.dim(0)), kh,        kw,
      stride_h,       stride_w,       pad_h,   pad_w,   dilation_h,     dilation_w};
  MGR_CHECK(g.out_h() == xv.dim(2) && g.out_w() == xv.dim(3),
            "conv_transpose2d: internal geometry mismatch for " << xv.str());
  Tensor y = Tensor::empty({g.n, g.c, oh, ow}, DType::F32, xv.device());
  const int64_t ohw = oh * ow;

  if (xv.is_cuda()) {
#if MGR_WITH_CUDA
    y.zero_();  // backward-data accumulates
    detail::conv2d_backward_cuda(nullptr, wv, xv, &y, nullptr, nullptr, g);
    if (has_bias) add_bias_cuda(y, b.value());
#endif
  } else {
    kernels::cpu::conv2d_backward(nullptr, wv.f32(), xv.f32(), y.f32(), nullptr, nullptr, g,
                                  /*dx_accumulate=*/false);
    if (has_bias) kernels::cpu::add_channel_bias(y.f32(), b.value().f32(), g.n, g.c, ohw);
  }

  std::vector<Var> inputs{x, w};
  if (has_bias) inputs.push_back(b);
  return make_var(
      y, inputs,
      [x, w, b, g, ohw](const Tensor& dy) {
        if (dy.is_cuda()) {
#if MGR_WITH_CUDA
          if (x.requires_grad())
            detail::conv2d_forward_cuda(dy, w.value(), nullptr, grad_buffer(x), g,
                                        /*accumulate=*/true);
          if (w.requires_grad())
            detail::conv2d_backward_cuda(&dy, w.value(), x.value(), nullptr, &grad_buffer(w),
                                         nullptr, g);
          if (b.defined() && b.requires_grad()) bias_grad_cuda(grad_buffer(b), dy);
#endif
        } else {
          if (x.requires_grad()) {
            bool fresh = false;
            Tensor& dx = grad_buffer(x, &fresh);
            if (fresh) {
              kernels::cpu::conv2d_forward(dy.f32(), w.value().f32(), nullptr, dx.f32(), g);
            } else {
              Tensor t = Tensor::empty(dx.shape(), DType::F32, dx.device());
              kernels::cpu::conv2d_forward(dy.f32(), w.value().f32(), nullptr, t.f32(), g);
              accumulate_grad(x, t);
            }
          }
          if (w.requires_grad())
            kernels::cpu::conv2d_backward(dy.f32(), w.value().f32(), x.value().f32(), nullptr,
                                          grad_buffer(w).f32(), nullptr, g);
          if (b.defined() && b.requires_grad())
            kernels::cpu::channel_bias_grad(grad_buffer(b).f32(), dy.f32(), g.n, g.c, ohw);
        }
      },
      "conv_transpose2d");
}

}  // namespace mgr::ops
