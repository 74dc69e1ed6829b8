// Stochastic gradient descent with momentum, exactly torch.optim.SGD (1.13) with dampening 0:
//   g = grad + weight_decay * param                  (L2 term added to the gradient)
//   buf = g on a parameter's first update, else buf = momentum * buf + g
//   update = nesterov ? g + momentum * buf : buf     (momentum 0: update = g, no buffer)
//   param -= lr * update
// One fused kernel per parameter tensor on CUDA; a CPU loop twin (kernels/shared/sgd_update.h).
#pragma once

#include <string>
#include <vector>

#include "framework/optim/optimizer.h"

namespace mgr::optim {

struct SgdOptions {
  float lr = 1e-2f, momentum = 0.f, weight_decay = 0.f;
  bool nesterov = false;  // needs momentum > 0 (as in PyTorch)
};

class SGD final : public Optimizer {
 public:
  // The parameters must outlive the optimiser. With momentum, the buffers are allocated at once,
  // zero, on each parameter's device, and follow a parameter that moves (Module::to) at the next
  // step().
  SGD(std::vector<Var*> params, SgdOptions o);

  // One update of every parameter that has a gradient; parameters without one are skipped (their
  // buffers are untouched, and a parameter's first update is the one where it first has a
  // gradient, as in PyTorch).
  void step() override;

  // Checkpoint state: the momentum buffers in parameter order [buf_0, buf_1, ...] (same shapes
  // as the params); empty when momentum is 0. A parameter's buffer counts as started once
  // steps() > 0: after set_steps(s > 0) a parameter that never had a gradient continues with
  // momentum * 0 + g, which equals PyTorch's buf = g (up to the sign of a zero).
  std::vector<Tensor*> state_tensors() override;
  void set_steps(int64_t s) override;
  std::string name() const override { return "sgd"; }

  const SgdOptions& options() const { return opt_; }
  float lr() const override { return opt_.lr; }
  void set_lr(float lr) override;

 private:
  std::vector<Tensor> buf_;
  std::vector<bool> started_;  // per parameter: its buffer holds a value (first update done)
  SgdOptions opt_;
};

}  // namespace mgr::optim
