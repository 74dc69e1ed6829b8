// bce_with_logits: against the double-precision formula, stability for huge logits, the
// gradient (sigmoid - t) / n, central differences, and CUDA against the CPU.
#include <cmath>
#include <vector>

#include "framework/ops/loss.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

double bce_double(double x, double t) {
  const double p = 1.0 / (1.0 + std::exp(-x));
  return -(t * std::log(p) + (1 - t) * std::log(1 - p));
}

TEST(BceWithLogits, MatchesDoubleFormula) {
  const std::vector<float> x{-3.f, -0.5f, 0.f, 0.25f, 2.f, 7.f};
  const std::vector<float> t{0.f, 1.f, 1.f, 0.f, 0.9f, 1.f};
  Var loss =
      ops::bce_with_logits(Var(Tensor::from_vector(x, {2, 3})), Tensor::from_vector(t, {2, 3}));
  double ref = 0;
  for (size_t i = 0; i < x.size(); ++i) ref += bce_double(x[i], t[i]);
  ref /= double(x.size());
  EXPECT_EQ(loss.shape(), (Shape{1}));
  EXPECT_NEAR(loss.value().item(), ref, 1e-6);
}

TEST(BceWithLogits, StableForHugeLogits) {
  // log(sigmoid(x)) would be log(0) = -inf for x = -200 in float; the stable form gives 200.
  const std::vector<float> x{-200.f, 200.f, 200.f, -200.f};
  const std::vector<float> t{1.f, 0.f, 1.f, 0.f};
  Var logits(Tensor::from_vector(x, {4}), true);
  Var loss = ops::bce_with_logits(logits, Tensor::from_vector(t, {4}));
  EXPECT_NEAR(loss.value().item(), (200.0 + 200.0) / 4, 1e-4);
  loss.backward();
  const std::vector<float> g = logits.grad().to_vector();
  EXPECT_NEAR(g[0], -0.25, 1e-7);  // (sigmoid(-200) - 1) / 4
  EXPECT_NEAR(g[1], 0.25, 1e-7);
  EXPECT_NEAR(g[2], 0.0, 1e-7);
  EXPECT_NEAR(g[3], 0.0, 1e-7);
  for (float v : g) EXPECT_TRUE(std::isfinite(v));
}

TEST(BceWithLogits, GradientIsSigmoidMinusTargetOverN) {
  const std::vector<float> x{-1.5f, 0.3f, 2.2f};
  const std::vector<float> t{0.f, 1.f, 0.5f};
  Var logits(Tensor::from_vector(x, {3, 1}), true);
  ops::bce_with_logits(logits, Tensor::from_vector(t, {3, 1})).backward();
  const std::vector<float> g = logits.grad().to_vector();
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_NEAR(g[i], (1.0 / (1.0 + std::exp(-double(x[i]))) - t[i]) / 3.0, 1e-7);
}

TEST(BceWithLogits, GradCheck) {
  const Tensor t = test::random_tensor({4, 5}, 2, 0.f, 1.f);
  auto f = [t](const std::vector<Var>& in) { return ops::bce_with_logits(in[0], t); };
  EXPECT_TRUE(test::grad_check(f, {Var(test::random_tensor({4, 5}, 1, -4.f, 4.f), true)}));
}

TEST(BceWithLogits, RejectsBadTargets) {
  Var logits(test::random_tensor({3, 1}, 1));
  EXPECT_THROW(ops::bce_with_logits(logits, Tensor::zeros({3})), Error);
  EXPECT_THROW(
      ops::bce_with_logits(logits, Tensor::from_vector(std::vector<int32_t>{0, 1, 0}, {3, 1})),
      Error);
}

TEST(BceWithLogits, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  const Tensor t = test::random_tensor({300, 3}, 4, 0.f, 1.f);
  auto f = [t](const std::vector<Var>& in) { return ops::bce_with_logits(in[0], t); };
  EXPECT_TRUE(test::cuda_matches_cpu(f, {Var(test::random_tensor({300, 3}, 3, -30.f, 30.f), true)},
                                     1e-5f, 1e-6f));
}

}  // namespace
}  // namespace mgr
