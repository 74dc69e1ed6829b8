#include "framework/optim/sgd.h"

#include <cmath>

#include "kernels/cpu/sgd.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/sgd.h"
#endif

namespace mgr::optim {

SGD::SGD(std::vector<Var*> params, SgdOptions o) : Optimizer(std::move(params), "SGD"), opt_(o) {
  MGR_CHECK(opt_.lr >= 0.f && std::isfinite(opt_.lr),
            "SGD: learning rate must be finite and >= 0, got " << opt_.lr);
  MGR_CHECK(opt_.momentum >= 0.f && std::isfinite(opt_.momentum),
            "SGD: momentum must be finite and >= 0, got " << opt_.momentum);
  MGR_CHECK(opt_.weight_decay >= 0.f && std::isfinite(opt_.weight_decay),
            "SGD: weight_decay must be finite and >= 0, got " << opt_.weight_decay);
  MGR_CHECK(!opt_.nesterov || opt_.momentum > 0.f, "SGD: nesterov needs a momentum > 0");
  started_.assign(params_.size(), false);
  if (opt_.momentum != 0.f)
    for (Var* p : params_) buf_.push_back(Tensor::zeros_like(p->value()));
}

void SGD::step() {
  ++steps_;
  kernels::SgdScalars s{};
  s.lr = opt_.lr;
  s.momentum = opt_.momentum;
  s.weight_decay = opt_.weight_decay;
  s.nesterov = opt_.nesterov ? 1 : 0;
  const bool with_buffer = opt_.momentum != 0.f;

  for (size_t i = 0; i < params_.size(); ++i) {
    Var& p = *params_[i];
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    Tensor& w = p.value_mut();
    MGR_CHECK(g.shape() == w.shape() && g.device() == w.device(),
              "SGD: gradient " << g.str() << " for parameter " << w.str());
    float* buf = nullptr;
    if (with_buffer) {
      if (buf_[i].device() != w.device()) buf_[i] = buf_[i].to(w.device());
      MGR_CHECK(buf_[i].shape() == w.shape(),
                "SGD: momentum buffer " << buf_[i].str() << " for parameter " << w.str());
      buf = buf_[i].f32();
    }
    s.first = with_buffer && !started_[i] ? 1 : 0;
    if (w.is_cuda()) {
#if MGR_WITH_CUDA
      const int d = w.device().index;
      cuda::DeviceGuard guard(d);
      kernels::cuda::sgd_step(w.f32(), g.f32(), buf, w.numel(), s, cuda::stream(d));
#endif
    } else {
      kernels::cpu::sgd_step(w.f32(), g.f32(), buf, w.numel(), s);
    }
    started_[i] = true;
  }
}

std::vector<Tensor*> SGD::state_tensors() {
  std::vector<Tensor*> out;
  for (Tensor& b : buf_) out.push_back(&b);
  return out;
}

void SGD::set_steps(int64_t s) {
  Optimizer::set_steps(s);
  started_.assign(params_.size(), s > 0);
}

void SGD::set_lr(float lr) {
  MGR_CHECK(lr >= 0.f && std::isfinite(lr),
            "SGD: learning rate must be finite and >= 0, got " << lr);
  opt_.lr = lr;
}

}  // namespace mgr::optim
