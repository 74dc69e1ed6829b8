// 2-D convolution (cross-correlation, as in every deep-learning framework) over NCHW input.
#pragma once

#include "framework/autograd/var.h"

namespace mgr::ops {

// x [N,C,H,W], w [K,C,kh,kw], b [K] or an undefined Var (no bias). Zero padding and stride per
// axis; the result is [N, K, (H + 2*pad_h - kh)/stride_h + 1, (W + 2*pad_w - kw)/stride_w + 1].
// CPU: im2col + OpenBLAS sgemm; CUDA: cuDNN with FMA math (no TF32).
Var conv2d(const Var& x, const Var& w, const Var& b, int stride_h = 1, int stride_w = 1,
           int pad_h = 0, int pad_w = 0);

}  // namespace mgr::ops
