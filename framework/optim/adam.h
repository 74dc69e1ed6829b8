// Adam (Kingma & Ba 2015), bias-corrected exactly as torch.optim.Adam (1.13): eps is added to
// sqrt(v_hat), and weight decay is the L2 term weight_decay * param added to the gradient
// (not AdamW's decoupled decay). One fused kernel per parameter tensor on CUDA; a CPU loop twin.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "framework/optim/optimizer.h"

namespace mgr::optim {

struct AdamOptions {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-7f, weight_decay = 0.f;
};

class Adam final : public Optimizer {
 public:
  // The parameters must outlive the optimiser (Module keeps them at stable addresses). The
  // moments are allocated at once, zero, on each parameter's device; if a parameter later moves
  // (Module::to), its moments follow it at the next step().
  Adam(std::vector<Var*> params, AdamOptions o);

  // One update of every parameter that has a gradient; parameters without one are skipped
  // (their moments are untouched). The step count is shared by all parameters and feeds the
  // bias correction.
  void step() override;

  // Checkpoint state: steps() (feeds the bias correction), and the moments in parameter order
  // [m_0, v_0, m_1, v_1, ...] (m: first moment, v: second moment; same shapes as the params).
  // Restore by copying into the pointed-to tensors (or assigning tensors of the same shape).
  std::vector<Tensor*> state_tensors() override;
  std::string name() const override { return "adam"; }

  const AdamOptions& options() const { return opt_; }
  float lr() const override { return opt_.lr; }
  void set_lr(float lr) override;

 private:
  std::vector<Tensor> m_, v_;
  AdamOptions opt_;
};

}  // namespace mgr::optim
