#include "tests/test_util.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace mgr::test {

Tensor random_tensor(const Shape& shape, uint32_t seed, float lo, float hi, Device device) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<size_t>(shape_numel(shape)));
  for (float& x : v) x = u(rng);
  return Tensor::from_vector(v, shape, device);
}

::testing::AssertionResult all_close(const Tensor& a, const Tensor& b, float rtol, float atol) {
  if (a.shape() != b.shape())
    return ::testing::AssertionFailure() << "shapes differ: " << a.str() << " vs " << b.str();
  std::vector<float> va = a.to_vector(), vb = b.to_vector();
  double worst = 0;
  size_t worst_i = 0;
  for (size_t i = 0; i < va.size(); ++i) {
    if (!std::isfinite(va[i]) || !std::isfinite(vb[i])) {
      if (va[i] == vb[i]) continue;  // both the same infinity
      return ::testing::AssertionFailure()
             << "non-finite at " << i << ": " << va[i] << " vs " << vb[i];
    }
    const double r = std::abs(double(va[i]) - vb[i]) / (atol + rtol * std::abs(double(vb[i])));
    if (r > worst) worst = r, worst_i = i;
  }
  if (worst <= 1.0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "mismatch at flat index " << worst_i << ": " << va[worst_i] << " vs reference "
         << vb[worst_i] << " (ratio " << worst << " to rtol " << rtol << ", atol " << atol << ")";
}

namespace {
double weighted_sum(const Tensor& out, const std::vector<float>& r) {
  std::vector<float> v = out.to_vector();
  double s = 0;
  for (size_t i = 0; i < v.size(); ++i) s += double(v[i]) * r[i];
  return s;
}
}  // namespace

::testing::AssertionResult grad_check(const OpFn& f, const std::vector<Var>& inputs,
                                      const GradCheckOptions& opt) {
  for (const Var& v : inputs) v.zero_grad();
  Var out = f(inputs);
  std::vector<float> r = random_tensor(out.shape(), 1234).to_vector();
  out.backward(Tensor::from_vector(r, out.shape(), out.device()));

  std::mt19937 pick(99);
  for (size_t k = 0; k < inputs.size(); ++k) {
    const Var& in = inputs[k];
    if (!in.requires_grad()) continue;
    if (!in.grad().defined())
      return ::testing::AssertionFailure() << "input " << k << " received no gradient";
    std::vector<float> analytic = in.grad().to_vector();
    const int64_t n = in.value().numel();
    std::vector<int64_t> idx(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) idx[i] = i;
    if (n > opt.max_checks_per_input) {
      std::shuffle(idx.begin(), idx.end(), pick);
      idx.resize(opt.max_checks_per_input);
    }
    float scale = 0;
    for (float g : analytic) scale = std::max(scale, std::abs(g));
    Tensor& x = const_cast<Var&>(in).value_mut();
    for (int64_t i : idx) {
      std::vector<float> base = x.to_vector();
      auto eval_at = [&](float delta) {
        std::vector<float> p = base;
        p[i] += delta;
        x.copy_from(Tensor::from_vector(p, x.shape(), Device::cpu()));
        NoGradGuard ng;
        return weighted_sum(f(inputs).value(), r);
      };
      const double numeric = (eval_at(opt.eps) - eval_at(-opt.eps)) / (2.0 * opt.eps);
      x.copy_from(Tensor::from_vector(base, x.shape(), Device::cpu()));
      const double a = analytic[i];
      const double tol =
          opt.atol * std::max(1.f, scale) + opt.rtol * std::max(std::abs(a), std::abs(numeric));
      if (std::abs(a - numeric) > tol)
        return ::testing::AssertionFailure()
               << "input " << k << " element " << i << ": analytic " << a << " vs numeric "
               << numeric << " (tol " << tol << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult cuda_matches_cpu(const OpFn& f, const std::vector<Var>& cpu_inputs,
                                            float rtol, float atol) {
  std::vector<Var> gpu_inputs;
  for (const Var& v : cpu_inputs) {
    v.zero_grad();
    gpu_inputs.emplace_back(v.value().to(Device::cuda(0)), v.requires_grad());
  }
  Var out_c = f(cpu_inputs);
  Var out_g = f(gpu_inputs);
  if (!out_g.value().is_cuda())
    return ::testing::AssertionFailure() << "the op returned " << out_g.value().str()
                                         << " for CUDA inputs: its CUDA path did not run";
  auto res = all_close(out_g.value(), out_c.value(), rtol, atol);
  if (!res) return ::testing::AssertionFailure() << "forward: " << res.message();
  if (!out_c.requires_grad()) return ::testing::AssertionSuccess();
  Tensor seed = random_tensor(out_c.shape(), 777);
  out_c.backward(seed);
  out_g.backward(seed.to(Device::cuda(0)));
  for (size_t k = 0; k < cpu_inputs.size(); ++k) {
    if (!cpu_inputs[k].requires_grad()) continue;
    if (!gpu_inputs[k].grad().defined() || !gpu_inputs[k].grad().is_cuda())
      return ::testing::AssertionFailure()
             << "gradient of input " << k << " missing or not on CUDA";
    auto g = all_close(gpu_inputs[k].grad(), cpu_inputs[k].grad(), rtol, atol);
    if (!g)
      return ::testing::AssertionFailure() << "gradient of input " << k << ": " << g.message();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace mgr::test
