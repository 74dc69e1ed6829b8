// Fully connected layer module.
#pragma once

#include <cstdint>

#include "framework/nn/module.h"

namespace mgr::nn {

// Parameters "weight" [out, in] (Glorot-uniform, seeded) and "bias" [out] (zeros), as Keras
// initialises Dense layers (the papers' models are Keras models).
class Linear : public Module {
 public:
  Linear(int in, int out, bool bias = true, uint64_t seed = 1);
  Var forward(const Var& x);  // x [N, in] (or [..., in]) -> [N, out]

  int in_features() const { return in_; }
  int out_features() const { return out_; }
  Var& weight() { return *weight_; }
  Var* bias() { return bias_; }  // nullptr without bias

 private:
  int in_, out_;
  Var* weight_ = nullptr;
  Var* bias_ = nullptr;
};

}  // namespace mgr::nn
