// Spatial batch normalisation over NCHW (statistics per channel over N, H, W) on the CPU.
// Pointers + sizes only.
#pragma once

#include <cstdint>

namespace mgr::kernels::cpu {

// Training: per channel, batch mean and biased variance; y = (x - mean) * invstd * gamma + beta
// with invstd = 1 / sqrt(var + eps). Writes save_mean / save_invstd [C] for the backward pass and
// updates running = (1 - momentum) * running + momentum * batch, the running variance taking
// the unbiased batch variance (var * M / (M - 1), M = N*H*W), as PyTorch and cuDNN do.
void batchnorm2d_forward_train(const float* x, const float* gamma, const float* beta, float* y,
                               float* running_mean, float* running_var, float* save_mean,
                               float* save_invstd, int n, int c, int64_t hw, float momentum,
                               float eps);
// Evaluation: y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta.
void batchnorm2d_forward_eval(const float* x, const float* gamma, const float* beta, float* y,
                              const float* running_mean, const float* running_var, int n, int c,
                              int64_t hw, float eps);
// Backward of either mode given the statistics the forward used (mean, invstd). With
// batch_stats (training) the statistics depend on x, giving the closed form
// dx = gamma * invstd / M * (M * dy - sum(dy) - xhat * sum(dy * xhat));
// otherwise (evaluation) they are constants and dx = gamma * invstd * dy.
// Accumulates dx +=, dgamma +=, dbeta +=; a null pointer skips that gradient.
void batchnorm2d_backward(const float* x, const float* gamma, const float* dy, const float* mean,
                          const float* invstd, bool batch_stats, float* dx, float* dgamma,
                          float* dbeta, int n, int c, int64_t hw);

}  // namespace mgr::kernels::cpu
