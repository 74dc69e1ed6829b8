#include "framework/nn/batchnorm2d.h"

#include "framework/ops/batchnorm2d.h"

namespace mgr::nn {

BatchNorm2d::BatchNorm2d(int channels, float momentum, float eps) : momentum_(momentum), eps_(eps) {
  MGR_CHECK(channels > 0, "BatchNorm2d: channels must be positive, got " << channels);
  MGR_CHECK(momentum >= 0.f && momentum <= 1.f,
            "BatchNorm2d: momentum " << momentum << " not in [0, 1]");
  weight_ = &register_parameter("weight", Tensor::full({channels}, 1.f));
  bias_ = &register_parameter("bias", Tensor::zeros({channels}));
  running_mean_ = &register_buffer("running_mean", Tensor::zeros({channels}));
  running_var_ = &register_buffer("running_var", Tensor::full({channels}, 1.f));
}

Var BatchNorm2d::forward(const Var& x) {
  return ops::batch_norm2d(x, *weight_, *bias_, *running_mean_, *running_var_, training(),
                           momentum_, eps_);
}

}  // namespace mgr::nn
