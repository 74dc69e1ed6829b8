#include "framework/optim/adam.h"

#include <cmath>

#include "kernels/cpu/adam.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/adam.h"
#endif

namespace mgr::optim {

Adam::Adam(std::vector<Var*> params, AdamOptions o)
    : Optimizer(std::move(params), "Adam"), opt_(o) {
  MGR_CHECK(opt_.lr >= 0.f, "Adam: negative learning rate " << opt_.lr);
  MGR_CHECK(opt_.beta1 >= 0.f && opt_.beta1 < 1.f && opt_.beta2 >= 0.f && opt_.beta2 < 1.f,
            "Adam: betas must lie in [0, 1), got " << opt_.beta1 << ", " << opt_.beta2);
  MGR_CHECK(opt_.eps >= 0.f && opt_.weight_decay >= 0.f, "Adam: eps and weight_decay must be >= 0");
  for (Var* p : params_) {
    m_.push_back(Tensor::zeros_like(p->value()));
    v_.push_back(Tensor::zeros_like(p->value()));
  }
}

void Adam::step() {
  ++steps_;
  // Scalars in double, as PyTorch computes them in Python, then rounded once to float.
  const double t = static_cast<double>(steps_);
  const double b1 = opt_.beta1, b2 = opt_.beta2;
  const double bc1 = 1.0 - std::pow(b1, t);
  const double bc2 = 1.0 - std::pow(b2, t);
  kernels::AdamScalars s{};
  s.neg_step_size = static_cast<float>(-(static_cast<double>(opt_.lr) / bc1));
  s.beta1 = opt_.beta1;
  s.one_minus_beta1 = static_cast<float>(1.0 - b1);
  s.beta2 = opt_.beta2;
  s.one_minus_beta2 = static_cast<float>(1.0 - b2);
  s.bias_correction2_sqrt = static_cast<float>(std::sqrt(bc2));
  s.eps = opt_.eps;
  s.weight_decay = opt_.weight_decay;

  for (size_t i = 0; i < params_.size(); ++i) {
    Var& p = *params_[i];
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    Tensor& w = p.value_mut();
    MGR_CHECK(g.shape() == w.shape() && g.device() == w.device(),
              "Adam: gradient " << g.str() << " for parameter " << w.str());
    if (m_[i].device() != w.device()) m_[i] = m_[i].to(w.device());
    if (v_[i].device() != w.device()) v_[i] = v_[i].to(w.device());
    MGR_CHECK(
        m_[i].shape() == w.shape() && v_[i].shape() == w.shape(),
        "Adam: state " << m_[i].str() << " / " << v_[i].str() << " for parameter " << w.str());
    if (w.is_cuda()) {
#if MGR_WITH_CUDA
      const int d = w.device().index;
      cuda::DeviceGuard guard(d);
      kernels::cuda::adam_step(w.f32(), g.f32(), m_[i].f32(), v_[i].f32(), w.numel(), s,
                               cuda::stream(d));
#endif
    } else {
      kernels::cpu::adam_step(w.f32(), g.f32(), m_[i].f32(), v_[i].f32(), w.numel(), s);
    }
  }
}

std::vector<Tensor*> Adam::state_tensors() {
  std::vector<Tensor*> out;
  for (size_t i = 0; i < params_.size(); ++i) {
    out.push_back(&m_[i]);
    out.push_back(&v_[i]);
  }
  return out;
}

void Adam::set_lr(float lr) {
  MGR_CHECK(lr >= 0.f, "Adam: negative learning rate " << lr);
  opt_.lr = lr;
}

}  // namespace mgr::optim
