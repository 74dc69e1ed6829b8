// Transposed 2-D convolution layer (torch.nn.ConvTranspose2d): parameters "weight"
// [in, out, kh, kw] (PyTorch's layout; Glorot uniform over the receptive field, as Conv2d) and
// "bias" [out] (zeros), when bias is on.
#pragma once

#include <array>
#include <cstdint>

#include "framework/nn/module.h"

namespace mgr::nn {

struct ConvTransposeGeometry {
  std::array<int, 2> kernel{4, 4}, stride{1, 1}, pad{0, 0}, out_pad{0, 0}, dilation{1, 1};
};

class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int in_ch, int out_ch, const ConvTransposeGeometry& g, bool bias = true,
                  uint64_t seed = 1);
  Var forward(const Var& x);
  Var& weight() { return *weight_; }
  Var* bias() { return bias_; }  // null without a bias

 private:
  ConvTransposeGeometry g_;
  Var* weight_;
  Var* bias_ = nullptr;
};

}  // namespace mgr::nn
