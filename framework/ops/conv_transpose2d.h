// Transposed 2-D convolution (torch.nn.functional.conv_transpose2d; "deconvolution"): the
// adjoint of conv2d with the same geometry, so it upsamples by the stride. DCGAN's generator is
// made of it.
#pragma once

#include "framework/autograd/var.h"

namespace mgr::ops {

// x [N, Cin, H, W], w [Cin, Cout, kh, kw] (PyTorch's layout), b [Cout] or an undefined Var.
// The result is [N, Cout, Ho, Wo] with
//   Ho = (H - 1) * stride_h - 2 * pad_h + dilation_h * (kh - 1) + out_pad_h + 1
// (Wo likewise): input pixel (iy, ix) adds w[ci, co, i, j] * x[ci, iy, ix] to output
// (iy * stride_h - pad_h + i * dilation_h, ix * stride_w - pad_w + j * dilation_w) when that lies
// inside. out_pad (< stride) adds rows/columns at the bottom/right that only padding reaches.
// The forward pass is conv2d's input gradient (cuDNN's backward-data on the GPU, GEMM + col2im
// on the CPU); the input gradient is conv2d's forward and the weight gradient conv2d's weight
// gradient with the roles of input and output swapped.
Var conv_transpose2d(const Var& x, const Var& w, const Var& b, int stride_h = 1, int stride_w = 1,
                     int pad_h = 0, int pad_w = 0, int out_pad_h = 0, int out_pad_w = 0,
                     int dilation_h = 1, int dilation_w = 1);

// The output size along one axis (the formula above); may be < 1 for impossible geometries.
int64_t conv_transpose_out(int64_t in, int kernel, int stride, int pad, int out_pad, int dilation);

}  // namespace mgr::ops
