// Max and average pooling over NCHW planes on the CPU: kernel and stride per axis, no padding,
// floor mode. Pointers + sizes only.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

struct Pool2dGeometry {
  int n, c, h, w;  // input
  int kh, kw, sh, sw;
  int out_h() const { return (h - kh) / sh + 1; }
  int out_w() const { return (w - kw) / sw + 1; }
};

// y [N,C,OH,OW] = max over each window.
void max_pool2d_forward(const float* x, float* y, const Pool2dGeometry& g);
// dx += dy routed to each window's argmax, recomputed from x; on ties the first maximum in
// row-major window order wins. With accumulate false dx is overwritten (write-only).
void max_pool2d_backward(const float* x, const float* dy, float* dx, const Pool2dGeometry& g,
                         bool accumulate = true);

// y [N,C,OH,OW] = mean over each kh x kw window (a float sum in row-major window order, then
// divided by kh*kw).
void avg_pool2d_forward(const float* x, float* y, const Pool2dGeometry& g);
// dx += dy / (kh*kw) over each window; with accumulate false dx is overwritten.
void avg_pool2d_backward(const float* dy, float* dx, const Pool2dGeometry& g,
                         bool accumulate = true);

}  // namespace mgr::kernels::cpu
