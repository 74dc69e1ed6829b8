// Local response normalisation across channels over NCHW input.
#pragma once

#include "framework/autograd/var.h"

namespace mgr::ops {

// Exactly torch.nn.functional.local_response_norm(x, size, alpha, beta, k) for x [N,C,H,W]:
//   y_c = x_c * (k + alpha/size * sum_{c' = c - size/2}^{c + (size-1)/2} x_{c'}^2)^(-beta),
// with channels outside [0, C) counting as zero; the result has x's shape.
// Restricted to what cuDNN computes identically: an odd size in [1, 16] (cuDNN centres an
// even window one channel later than torch), k >= 1e-5 and beta >= 0.01 (CUDNN_LRN_MIN_K,
// CUDNN_LRN_MIN_BETA); anything else is an error on both devices.
// CPU: loops; CUDA: cudnnLRNCrossChannelForward / Backward (CUDNN_LRN_CROSS_CHANNEL_DIM1).
Var lrn(const Var& x, int size, float alpha, float beta, float k);

}  // namespace mgr::ops
