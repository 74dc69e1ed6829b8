#include "framework/optim/optimizer.h"

namespace mgr::optim {

Optimizer::Optimizer(std::vector<Var*> params, const char* who) : params_(std::move(params)) {
  for (Var* p : params_)
    MGR_CHECK(p && p->defined() && p->requires_grad() && p->value().dtype() == DType::F32,
              who << ": every parameter must be a defined f32 Var that requires a gradient");
}

void Optimizer::zero_grad() {
  for (Var* p : params_) p->zero_grad();
}

void Optimizer::set_steps(int64_t s) {
  MGR_CHECK(s >= 0, name() << "::set_steps: negative step count " << s);
  steps_ = s;
}

}  // namespace mgr::optim
