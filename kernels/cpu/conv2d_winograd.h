// 3x3 and 5x5, stride-1 convolutions on the CPU by Winograd's minimal filtering F(2x2, RxR)
// (Lavin & Gray, 2016): each 2x2 output tile of a K x C convolution costs (R+1)^2 C K multiplies
// in (R+1)^2 GEMMs instead of 4 R^2 C K (16 instead of 36 for 3x3, 36 instead of 100 for 5x5),
// with the input, weight and output transforms around them. Forward, input gradient (the
// adjoint transforms) and weight gradient (G^T dU G) all go through the transformed domain.
// The results differ from im2col + GEMM by float rounding only: for 3x3 the transforms'
// coefficients are 0, +-1 and +-1/2, about twice a direct sum's rounding error; for 5x5 they
// reach 5 and 1/24, and the error is about ten times a direct sum's (a few 1e-6 relative).
// conv2d_forward/conv2d_backward (conv2d.h) call these for the geometries winograd_eligible()
// accepts; pointers and sizes as there.
#pragma once

#include <cstddef>

#include "kernels/cpu/conv2d.h"

namespace mgr::kernels::cpu {

// 3x3 or 5x5 kernel, unit stride and dilation, and enough channels on both sides for the
// transformed GEMMs to pay for the transforms (first layers with one input channel stay on
// im2col).
bool winograd_eligible(const Conv2dGeometry& g);

// For tests: whether the AVX2 copy of the transforms may run (on x86-64 CPUs that have AVX2;
// the default), else the baseline one. Returns the previous setting. Not thread-safe.
bool winograd_allow_avx2(bool allow);

// The calling thread's scratch buffer number `slot` (0-7), at least n floats, contents
// unspecified. Kept across calls: the convolutions' per-image buffers are several MB, and a
// fresh allocation each call came back from the kernel as new zeroed pages every time.
float* conv_scratch(int slot, size_t n);

// y [N,K,OH,OW] = conv(x, w) + b (b may be null).
void winograd_forward(const float* x, const float* w, const float* b, float* y,
                      const Conv2dGeometry& g);
// dx (+)=, dw +=, db += as conv2d_backward; a null pointer skips that gradient.
void winograd_backward(const float* x, const float* w, const float* dy, float* dx, float* dw,
                       float* db, const Conv2dGeometry& g, bool dx_accumulate);

}  // namespace mgr::kernels::cpu
