// 2-D convolution (cross-correlation, as in every deep-learning framework) over NCHW input.
#pragma once

#include "framework/autograd/var.h"

namespace mgr::ops {

// x [N,C,H,W], w [K,C,kh,kw], b [K] or an undefined Var (no bias). Zero padding, stride and
// dilation per axis (as torch.nn.functional.conv2d): kernel tap (i, j) reads input
// (oy*stride_h - pad_h + i*dilation_h, ox*stride_w - pad_w + j*dilation_w), and the result is
// [N, K, (H + 2*pad_h - dilation_h*(kh-1) - 1)/stride_h + 1,
//        (W + 2*pad_w - dilation_w*(kw-1) - 1)/stride_w + 1].
// CPU: im2col + OpenBLAS sgemm; CUDA: cuDNN with FMA math (no TF32).
Var conv2d(const Var& x, const Var& w, const Var& b, int stride_h = 1, int stride_w = 1,
           int pad_h = 0, int pad_w = 0, int dilation_h = 1, int dilation_w = 1);

}  // namespace mgr::ops
