// 2-D convolution (cross-correlation, NCHW, weights [K,C,kh,kw]) on the CPU: im2col + sgemm,
// or Winograd F(2x2, 3x3) / F(2x2, 5x5) for unit-stride 3x3 and 5x5 kernels with at least 16
// channels in and out (conv2d_winograd.h); images split across OpenMP threads with OpenBLAS
// single-threaded inside. Pointers + sizes only, no framework types.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

struct Conv2dGeometry {
  int n, c, h, w;      // input
  int k, kh, kw;       // output channels, kernel size
  int sh, sw, ph, pw;  // stride, zero padding
  int dh = 1, dw = 1;  // dilation: kernel taps dh rows / dw columns apart
  // The kernel's extent on the (padded) input: dilation * (size - 1) + 1.
  int span_h() const { return dh * (kh - 1) + 1; }
  int span_w() const { return dw * (kw - 1) + 1; }
  int out_h() const { return (h + 2 * ph - span_h()) / sh + 1; }
  int out_w() const { return (w + 2 * pw - span_w()) / sw + 1; }
};

// col[(c*kh + i)*kw + j][oy*ow + ox] = x[c][oy*sh - ph + i*dh][ox*sw - pw + j*dw] (0 outside),
// for one image x [C,H,W]; col is [C*kh*kw, out_h*out_w].
void im2col(const float* x, float* col, const Conv2dGeometry& g);
// The adjoint of im2col: dx [C,H,W] += scatter(col).
void col2im_add(const float* col, float* dx, const Conv2dGeometry& g);

// y [N,K,OH,OW] = conv(x, w) + b (b may be null).
void conv2d_forward(const float* x, const float* w, const float* b, float* y,
                    const Conv2dGeometry& g);
// Accumulates gradients: dx +=, dw +=, db += ; a null pointer skips that gradient. With
// dx_accumulate false, dx is overwritten (write-only).
void conv2d_backward(const float* x, const float* w, const float* dy, float* dx, float* dw,
                     float* db, const Conv2dGeometry& g, bool dx_accumulate = true);

}  // namespace mgr::kernels::cpu
