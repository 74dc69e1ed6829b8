// Dropout module: inverted dropout in training mode, identity in evaluation mode.
#pragma once

#include <cstdint>

#include "framework/nn/module.h"

namespace mgr::nn {

class Dropout : public Module {
 public:
  Dropout(float p, uint64_t seed);
  // Registered as a counter by address: never copied or moved.
  Dropout(const Dropout&) = delete;
  Dropout& operator=(const Dropout&) = delete;
  // Each training-mode forward uses the next step of this module's counter, so successive
  // batches get different masks while a rerun from the same seed and step repeats them.
  Var forward(const Var& x);

  float p() const { return p_; }
  uint64_t step() const { return step_; }
  void set_step(uint64_t s) { step_ = s; }  // for resuming from a checkpoint

 private:
  float p_;
  uint64_t seed_;
  uint64_t step_ = 0;
};

}  // namespace mgr::nn
