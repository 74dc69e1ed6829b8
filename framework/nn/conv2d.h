// 2-D convolution layer: parameters "weight" [out, in, kh, kw] (Glorot uniform, Keras'
// default, as the papers used Keras) and "bias" [out] (zeros), when bias is on.
#pragma once

#include <cstdint>

#include "framework/nn/module.h"

namespace mgr::nn {

class Conv2d : public Module {
 public:
  // Same stride on both axes and zero padding `pad` on both ("same" output size for an odd
  // kernel k at stride 1: pad = k / 2). The seed makes the initialisation reproducible.
  Conv2d(int in_ch, int out_ch, int kh, int kw, int stride = 1, int pad = 0, bool bias = true,
         uint64_t seed = 1);
  // Kernel kh x kw, stride sh x sw, zero padding ph x pw and dilation dh x dw, each per axis
  // (ops::conv2d's arguments). Dilation has no default, so a call with eight arguments or
  // fewer always means the constructor above.
  Conv2d(int in_ch, int out_ch, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
         bool bias = true, uint64_t seed = 1);
  Var forward(const Var& x);

  Var& weight() { return *weight_; }
  Var* bias() { return bias_; }  // null without a bias

 private:
  int sh_, sw_, ph_, pw_, dh_, dw_;
  Var* weight_;
  Var* bias_ = nullptr;
};

}  // namespace mgr::nn
