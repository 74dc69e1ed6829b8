// cuDNN convolution calls shared by conv2d and conv_transpose2d (whose forward pass is cuDNN's
// backward-data and whose input gradient is cuDNN's forward). One geometry (the convolution's:
// input x [n, c, h, w], filter [k, c, kh, kw], output [n, k, out_h, out_w]) and its algorithms,
// chosen once per device and geometry: deterministic and plain FP32 (no TF32), so a run repeats
// bit for bit. Internal to framework/ops; only compiled with CUDA.
#pragma once

#if MGR_WITH_CUDA

#include "framework/tensor/tensor.h"
#include "kernels/cpu/conv2d.h"

namespace mgr::ops::detail {

using kernels::cpu::Conv2dGeometry;

// y = conv(x, w) (+ b, per output channel k, when b is given); y is overwritten, or added to
// with `accumulate`.
void conv2d_forward_cuda(const Tensor& x, const Tensor& w, const Tensor* b, Tensor& y,
                         const Conv2dGeometry& g, bool accumulate = false);

// Accumulates (beta = 1) into whichever gradient buffers are given. `x` is only read when dw
// is given (conv_transpose2d's forward passes its own input as dy and no x).
void conv2d_backward_cuda(const Tensor* x, const Tensor& w, const Tensor& dy, Tensor* dx,
                          Tensor* dw, Tensor* db, const Conv2dGeometry& g);

}  // namespace mgr::ops::detail

#endif  // MGR_WITH_CUDA
