// The interface every optimiser implements, so that a trainer can drive Adam, SGD, ... alike:
// one update per step(), the learning rate read and set between steps (schedules), and the
// state that a checkpoint must hold to resume exactly (step count + state_tensors()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "framework/autograd/var.h"

namespace mgr::optim {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient (those without one are skipped).
  virtual void step() = 0;
  // Forgets the accumulated gradient of every parameter.
  virtual void zero_grad();

  virtual float lr() const = 0;
  virtual void set_lr(float lr) = 0;  // takes effect at the next step(); lr >= 0

  // Number of step() calls so far (restored from a checkpoint with set_steps).
  int64_t steps() const { return steps_; }
  virtual void set_steps(int64_t s);

  // Checkpoint state beside steps(): the optimiser's buffers in a fixed order documented by each
  // optimiser. Restore by copying into the pointed-to tensors (same shapes).
  virtual std::vector<Tensor*> state_tensors() = 0;
  // "adam", "sgd": the key a checkpoint or a log names the optimiser by.
  virtual std::string name() const = 0;

  const std::vector<Var*>& params() const { return params_; }

 protected:
  // Checks that every parameter is a defined f32 Var that requires a gradient; `who` names the
  // optimiser in the error.
  Optimizer(std::vector<Var*> params, const char* who);

  std::vector<Var*> params_;
  int64_t steps_ = 0;
};

}  // namespace mgr::optim
