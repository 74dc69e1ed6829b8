#include <cmath>

#include "framework/nn/dropout.h"
#include "framework/ops/dropout.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

// Inputs bounded away from zero, so a zero output means "dropped".
Tensor nonzero_tensor(const Shape& s, uint32_t seed) {
  std::vector<float> v = test::random_tensor(s, seed).to_vector();
  for (float& a : v) a = a >= 0 ? a + 0.5f : a - 0.5f;
  return Tensor::from_vector(v, s);
}

TEST(Dropout, IdentityInEvalModeOrWithZeroP) {
  Var x(test::random_tensor({4, 5}, 1), true);
  Var y = ops::dropout(x, 0.5f, /*training=*/false, 1, 0);
  EXPECT_EQ(y.node(), x.node());
  Var z = ops::dropout(x, 0.f, true, 1, 0);
  EXPECT_EQ(z.node(), x.node());
  EXPECT_THROW(ops::dropout(x, 1.f, true, 1, 0), Error);
  EXPECT_THROW(ops::dropout(x, -0.1f, true, 1, 0), Error);
}

TEST(Dropout, GradientIsMaskOverKeepProbability) {
  const float p = 0.3f;
  Tensor xt = nonzero_tensor({16, 25}, 2);
  Var x(xt, true);
  Var y = ops::dropout(x, p, true, /*seed=*/42, /*step=*/3);
  y.backward(Tensor::full(xt.shape(), 1.f));
  std::vector<float> xv = xt.to_vector(), yv = y.value().to_vector(), g = x.grad().to_vector();
  const float scale = 1.f / (1.f - p);
  int dropped = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    const bool keep = yv[i] != 0.f;
    dropped += !keep;
    EXPECT_EQ(g[i], keep ? scale : 0.f) << i;
    EXPECT_FLOAT_EQ(yv[i], keep ? xv[i] * scale : 0.f) << i;
  }
  EXPECT_GT(dropped, 0);
  EXPECT_LT(dropped, static_cast<int>(xv.size()));
  // The same (seed, step) gives the same mask; the gradient check relies on it.
  EXPECT_EQ(ops::dropout(Var(xt), p, true, 42, 3).value().to_vector(), yv);
  EXPECT_NE(ops::dropout(Var(xt), p, true, 42, 4).value().to_vector(), yv);
  EXPECT_NE(ops::dropout(Var(xt), p, true, 43, 3).value().to_vector(), yv);
}

TEST(Dropout, GradCheckWithFixedMask) {
  Var x(nonzero_tensor({5, 8}, 3), true);
  EXPECT_TRUE(test::grad_check(
      [](const std::vector<Var>& in) { return ops::dropout(in[0], 0.3f, true, 7, 11); }, {x}));
}

TEST(Dropout, DropFractionNearP) {
  const int64_t n = 1 << 20;
  Tensor x = Tensor::full({n}, 1.f);
  for (float p : {0.1f, 0.3f, 0.5f}) {
    for (uint64_t step : {0ull, 1ull, 1000ull}) {
      std::vector<float> y = ops::dropout(Var(x), p, true, 5, step).value().to_vector();
      int64_t dropped = 0;
      double sum = 0;
      for (float v : y) dropped += v == 0.f, sum += v;
      // Binomial std of the fraction is sqrt(p(1-p)/n) < 5e-4; allow 8 sigma.
      EXPECT_NEAR(double(dropped) / n, p, 4e-3) << "p " << p << " step " << step;
      EXPECT_NEAR(sum / n, 1.0, 1e-2) << "inverted dropout keeps the mean";
    }
  }
  // Masks of consecutive steps are independent: overlap of drops is about p^2.
  const float p = 0.5f;
  std::vector<float> a = ops::dropout(Var(x), p, true, 9, 0).value().to_vector();
  std::vector<float> b = ops::dropout(Var(x), p, true, 9, 1).value().to_vector();
  int64_t both = 0;
  for (int64_t i = 0; i < n; ++i) both += a[i] == 0.f && b[i] == 0.f;
  EXPECT_NEAR(double(both) / n, p * p, 4e-3);
}

TEST(DropoutModule, AdvancesStepInTrainingOnly) {
  nn::Dropout d(0.4f, 17);
  Tensor xt = nonzero_tensor({64}, 4);
  Var y0 = d.forward(Var(xt));
  Var y1 = d.forward(Var(xt));
  EXPECT_EQ(d.step(), 2u);
  EXPECT_NE(y0.value().to_vector(), y1.value().to_vector());
  EXPECT_EQ(y0.value().to_vector(), ops::dropout(Var(xt), 0.4f, true, 17, 0).value().to_vector());
  EXPECT_EQ(y1.value().to_vector(), ops::dropout(Var(xt), 0.4f, true, 17, 1).value().to_vector());
  d.eval();
  Var x(xt);
  EXPECT_EQ(d.forward(x).node(), x.node());
  EXPECT_EQ(d.step(), 2u);
}

TEST(Dropout, CudaMatchesCpuWithTheSameMask) {
  MGR_REQUIRE_CUDA();
  Var x(nonzero_tensor({3, 1000}, 5), true);
  // rtol/atol tight: the masks must be identical, not just statistically similar.
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) { return ops::dropout(in[0], 0.3f, true, 123, 9); }, {x},
      1e-6f, 1e-7f));
}

}  // namespace
}  // namespace mgr
