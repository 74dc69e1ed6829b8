// 2-D max pooling over NCHW input.
#pragma once

#include "framework/autograd/var.h"

namespace mgr::ops {

// Kernel kh x kw and stride sh x sw, no padding, floor mode: the result is
// [N, C, (H - kh)/sh + 1, (W - kw)/sw + 1]. The backward pass routes each output gradient to
// its window's maximum (the first in row-major order on ties). CPU: loops; CUDA: cuDNN with
// CUDNN_POOLING_MAX_DETERMINISTIC.
Var max_pool2d(const Var& x, int kh, int kw, int sh, int sw);

}  // namespace mgr::ops
