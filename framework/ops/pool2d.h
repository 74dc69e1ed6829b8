// 2-D max and average pooling over NCHW input.
#pragma once

#include "framework/autograd/var.h"

namespace mgr::ops {

// Kernel kh x kw and stride sh x sw, no padding, floor mode: the result is
// [N, C, (H - kh)/sh + 1, (W - kw)/sw + 1]. The backward pass routes each output gradient,
// whole, to one maximum of its window. On ties the CPU picks the first in row-major order;
// cuDNN (CUDNN_POOLING_MAX_DETERMINISTIC, on CUDA) picks one its documentation does not name,
// the same one every run. So the two devices may differ on ties; after a ReLU the tied maxima
// are zeros, which pass no gradient back through the ReLU. CPU: loops; CUDA: cuDNN.
Var max_pool2d(const Var& x, int kh, int kw, int sh, int sw);

// The mean over each kh x kw window, stride sh x sw, no padding, floor mode (the same shape as
// max_pool2d; torch.nn.functional.avg_pool2d without padding). The backward pass spreads each
// output gradient evenly, dy / (kh*kw), over its window. kh = H, kw = W gives global average
// pooling ([N, C, 1, 1]). CPU: loops; CUDA: cuDNN with CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING
// (there is no padding, so every window counts kh*kw elements).
Var avg_pool2d(const Var& x, int kh, int kw, int sh, int sw);

}  // namespace mgr::ops
