// elu, tanh, sigmoid: values and gradients against double-precision formulas, finite-difference
// gradient checks, and the CUDA kernels against the CPU twin.
#include <cmath>
#include <vector>

#include "framework/ops/activation.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

const std::vector<float> kInputs = {-100.f, -20.f, -3.f, -1.f, -0.5f, -1e-3f, 0.f,
                                    1e-3f,  0.25f, 1.f,  2.5f, 9.f,   30.f,   100.f};

double elu_ref(double x, double alpha) { return x > 0 ? x : alpha * std::expm1(x); }
double sigmoid_ref(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// One forward and one backward (seed dy) through op; checks y and dx against the references.
template <typename Op, typename Fwd, typename Bwd>
void check_values(Op op, Fwd y_ref, Bwd dx_ref, const char* what) {
  SCOPED_TRACE(what);
  const int64_t n = static_cast<int64_t>(kInputs.size());
  Var x(Tensor::from_vector(kInputs, {n}), true);
  Var y = op(x);
  ASSERT_EQ(y.shape(), (Shape{n}));
  const Tensor dy = test::random_tensor({n}, 3);
  y.backward(dy);
  const std::vector<float> yv = y.value().to_vector(), gv = x.grad().to_vector();
  const std::vector<float> dyv = dy.to_vector();
  for (int64_t i = 0; i < n; ++i) {
    const double xi = kInputs[i];
    const double want_y = y_ref(xi), want_g = dyv[i] * dx_ref(xi);
    // Float results of float math: a few ulps of the value (absolute floor for results near 0).
    EXPECT_NEAR(yv[i], want_y, 4e-7 * std::abs(want_y) + 1e-30) << "y at x = " << xi;
    EXPECT_NEAR(gv[i], want_g, 4e-7 * std::abs(want_g) + 2e-7) << "dx at x = " << xi;
  }
}

TEST(Activation, EluValuesAndGradient) {
  for (float alpha : {1.f, 0.5f}) {
    check_values([alpha](const Var& x) { return ops::elu(x, alpha); },
                 [alpha](double x) { return elu_ref(x, alpha); },
                 [alpha](double x) { return x > 0 ? 1.0 : alpha * std::exp(x); },
                 alpha == 1.f ? "elu alpha 1" : "elu alpha 0.5");
  }
  // By hand: elu(-1) = 1/e - 1, elu(2) = 2, elu(0) = 0.
  Var x(Tensor::from_vector(std::vector<float>{-1.f, 2.f, 0.f}, {3}), false);
  const std::vector<float> y = ops::elu(x).value().to_vector();
  EXPECT_FLOAT_EQ(y[0], -0.63212055882855767f);
  EXPECT_EQ(y[1], 2.f);
  EXPECT_EQ(y[2], 0.f);
}

TEST(Activation, TanhValuesAndGradient) {
  check_values([](const Var& x) { return ops::tanh(x); }, [](double x) { return std::tanh(x); },
               [](double x) { return 1.0 - std::tanh(x) * std::tanh(x); }, "tanh");
}

TEST(Activation, SigmoidValuesAndGradient) {
  // sigmoid(-100) is 3.7e-44 in double; exp(100) overflows float, so the op returns exactly 0
  // there (as the reference's float rounding would, up to the denormal): absolute floor 1e-30.
  check_values([](const Var& x) { return ops::sigmoid(x); }, sigmoid_ref,
               [](double x) { return sigmoid_ref(x) * (1.0 - sigmoid_ref(x)); }, "sigmoid");
  Var x(Tensor::from_vector(std::vector<float>{0.f, 100.f, -100.f}, {3}), false);
  EXPECT_EQ(ops::sigmoid(x).value().to_vector(), (std::vector<float>{0.5f, 1.f, 0.f}));
}

TEST(Activation, NewActivationsGradCheck) {
  // Away from elu's kink at 0, where central differences straddle both branches.
  std::vector<float> v = test::random_tensor({4, 9}, 15, -3.f, 3.f).to_vector();
  for (float& a : v) a = a >= 0 ? a + 0.1f : a - 0.1f;
  Var x(Tensor::from_vector(v, {4, 9}), true);
  EXPECT_TRUE(test::grad_check([](const std::vector<Var>& in) { return ops::elu(in[0]); }, {x}));
  EXPECT_TRUE(
      test::grad_check([](const std::vector<Var>& in) { return ops::elu(in[0], 0.3f); }, {x}));
  EXPECT_TRUE(test::grad_check([](const std::vector<Var>& in) { return ops::tanh(in[0]); }, {x}));
  EXPECT_TRUE(
      test::grad_check([](const std::vector<Var>& in) { return ops::sigmoid(in[0]); }, {x}));
  // Composed (the output-based backward of one feeding the other).
  EXPECT_TRUE(test::grad_check(
      [](const std::vector<Var>& in) { return ops::sigmoid(ops::tanh(ops::elu(in[0], 2.f))); },
      {x}));
}

TEST(Activation, NewActivationsCudaMatchCpu) {
  MGR_REQUIRE_CUDA();
  // expm1f / expf / tanhf are CUDA's on the GPU and glibc's on the CPU: both within 1-2 ulps of
  // the true value, not bit-identical. rtol 1e-6 is ~8 float ulps; the absolute floor covers the
  // gradients 1 - y^2 and y (1 - y) where y is near 1 and an ulp of y is 6e-8 absolute.
  Var x(test::random_tensor({3, 1000}, 16, -6.f, 6.f), true);
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) { return ops::elu(in[0], 0.7f); }, {x}, 1e-6f, 1e-6f));
  EXPECT_TRUE(test::cuda_matches_cpu([](const std::vector<Var>& in) { return ops::tanh(in[0]); },
                                     {x}, 1e-6f, 1e-6f));
  EXPECT_TRUE(test::cuda_matches_cpu([](const std::vector<Var>& in) { return ops::sigmoid(in[0]); },
                                     {x}, 1e-6f, 1e-6f));
  Var big(test::random_tensor({70001}, 17, -100.f, 100.f), true);  // several blocks, saturation
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) { return ops::sigmoid(ops::tanh(ops::elu(in[0]))); }, {big},
      1e-6f, 1e-6f));
}

}  // namespace
}  // namespace mgr
