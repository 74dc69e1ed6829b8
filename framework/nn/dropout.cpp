#include "framework/nn/dropout.h"

#include "framework/ops/dropout.h"

namespace mgr::nn {

Dropout::Dropout(float p, uint64_t seed) : p_(p), seed_(seed) {
  MGR_CHECK(p >= 0.f && p < 1.f, "Dropout: p must lie in [0, 1), got " << p);
  register_counter("step", &step_);
}

Var Dropout::forward(const Var& x) {
  if (!training() || p_ == 0.f) return x;
  return ops::dropout(x, p_, true, seed_, step_++);
}

}  // namespace mgr::nn
