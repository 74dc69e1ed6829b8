// Spatial batch normalisation layer: parameters "weight" (gamma, ones) and "bias" (beta,
// zeros), buffers "running_mean" (zeros) and "running_var" (ones), all [channels]. Uses batch
// statistics (and updates the running ones) in training mode, running statistics in eval mode.
#pragma once

#include "framework/nn/module.h"

namespace mgr::nn {

class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int channels, float momentum = 0.1f, float eps = 1e-5f);
  Var forward(const Var& x);

  Var& weight() { return *weight_; }
  Var& bias() { return *bias_; }
  Tensor& running_mean() { return *running_mean_; }
  Tensor& running_var() { return *running_var_; }

 private:
  float momentum_, eps_;
  Var* weight_;
  Var* bias_;
  Tensor* running_mean_;
  Tensor* running_var_;
};

}  // namespace mgr::nn
