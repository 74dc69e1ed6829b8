// Fully connected layer: y = x W^T + b, with W in PyTorch's [out, in] layout.
#pragma once

#include "framework/autograd/var.h"

namespace mgr::ops {

// x [N, in] (or [..., in]: leading dimensions are flattened into rows), w [out, in],
// b [out] or an undefined Var for no bias. Returns y [N, out] (or [..., out]).
// CUDA: cuBLAS sgemm (default math, no TF32); CPU: OpenBLAS cblas_sgemm.
// Backward accumulates dx += dy W, dW += dy^T x, db += sum_rows dy into the gradient buffers.
Var linear(const Var& x, const Var& w, const Var& b);

}  // namespace mgr::ops
