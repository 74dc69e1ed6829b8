// Spatial batch normalisation over NCHW input (statistics per channel over N, H and W).
#pragma once

#include "framework/autograd/var.h"

namespace mgr::ops {

// Training: normalise with the batch mean and biased variance, and update the running
// statistics in place: running = (1 - momentum) * running + momentum * batch, where the
// running variance takes the unbiased batch variance (as PyTorch and cuDNN do). Gradients
// flow through the batch statistics. Evaluation: normalise with the running statistics (left
// untouched). x [N,C,H,W]; gamma, beta [C]; running_mean, running_var Tensors [C] on x's device.
// CPU: loops; CUDA: cuDNN (CUDNN_BATCHNORM_SPATIAL) and, for the evaluation-mode backward
// pass that cuDNN lacks, our own kernels.
Var batch_norm2d(const Var& x, const Var& gamma, const Var& beta, Tensor& running_mean,
                 Tensor& running_var, bool training, float momentum = 0.1f, float eps = 1e-5f);

}  // namespace mgr::ops
