// batch_norm2d op and BatchNorm2d module: forward against the formula, running statistics,
// evaluation mode, gradients by central differences, CUDA against the CPU.
#include <cmath>
#include <vector>

#include "framework/nn/batchnorm2d.h"
#include "framework/ops/batchnorm2d.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

// Per-channel mean and biased variance in double, straight from the definition.
void channel_stats(const Tensor& x, std::vector<double>& mean, std::vector<double>& var) {
  const int n = int(x.dim(0)), c = int(x.dim(1));
  const int64_t hw = x.dim(2) * x.dim(3);
  std::vector<float> v = x.to_vector();
  mean.assign(c, 0.0);
  var.assign(c, 0.0);
  for (int ch = 0; ch < c; ++ch) {
    for (int i = 0; i < n; ++i)
      for (int64_t k = 0; k < hw; ++k) mean[ch] += v[(size_t(i) * c + ch) * hw + k];
    mean[ch] /= double(n) * hw;
    for (int i = 0; i < n; ++i)
      for (int64_t k = 0; k < hw; ++k) {
        const double d = v[(size_t(i) * c + ch) * hw + k] - mean[ch];
        var[ch] += d * d;
      }
    var[ch] /= double(n) * hw;
  }
}

Tensor normalise(const Tensor& x, const std::vector<double>& mean, const std::vector<double>& var,
                 const Tensor& gamma, const Tensor& beta, double eps) {
  const int c = int(x.dim(1));
  const int64_t hw = x.dim(2) * x.dim(3);
  std::vector<float> v = x.to_vector(), g = gamma.to_vector(), b = beta.to_vector();
  for (size_t i = 0; i < v.size(); ++i) {
    const int ch = int((i / hw) % c);
    v[i] = float((v[i] - mean[ch]) / std::sqrt(var[ch] + eps) * g[ch] + b[ch]);
  }
  return Tensor::from_vector(v, x.shape());
}

TEST(BatchNorm2dOp, TrainingForwardAndRunningStatistics) {
  // Shifted, scaled input so the statistics are far from (0, 1).
  Tensor xt = test::random_tensor({4, 3, 5, 6}, 1, 2.f, 5.f);
  Var x(xt), gamma(test::random_tensor({3}, 2, 0.5f, 1.5f)), beta(test::random_tensor({3}, 3));
  Tensor rm = Tensor::from_vector(std::vector<float>{0.5f, -1.f, 0.f}, {3});
  Tensor rv = Tensor::from_vector(std::vector<float>{2.f, 1.f, 0.25f}, {3});
  Var y = ops::batch_norm2d(x, gamma, beta, rm, rv, true, 0.2f, 1e-3f);
  std::vector<double> mean, var;
  channel_stats(xt, mean, var);
  EXPECT_TRUE(test::all_close(
      y.value(), normalise(xt, mean, var, gamma.value(), beta.value(), 1e-3), 1e-4f, 1e-5f));
  const double m = 4 * 5 * 6;
  const std::vector<float> rm0{0.5f, -1.f, 0.f}, rv0{2.f, 1.f, 0.25f};
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(rm.to_vector()[c], 0.8 * rm0[c] + 0.2 * mean[c], 1e-5);
    EXPECT_NEAR(rv.to_vector()[c], 0.8 * rv0[c] + 0.2 * var[c] * m / (m - 1), 1e-5);
  }
}

TEST(BatchNorm2dOp, RunningStatisticsByHand) {
  // One channel holding 1, 2, 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3.
  Var x(Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {2, 1, 1, 2}));
  Var gamma(Tensor::full({1}, 1.f)), beta(Tensor::zeros({1}));
  Tensor rm = Tensor::zeros({1}), rv = Tensor::full({1}, 1.f);
  Var y = ops::batch_norm2d(x, gamma, beta, rm, rv, true);
  EXPECT_NEAR(rm.item(), 0.25, 1e-6);
  EXPECT_NEAR(rv.item(), 0.9 + 0.1 * 5.0 / 3.0, 1e-6);
  const double s = 1.0 / std::sqrt(1.25 + 1e-5);
  std::vector<float> yv = y.value().to_vector();
  EXPECT_NEAR(yv[0], -1.5 * s, 1e-5);
  EXPECT_NEAR(yv[3], 1.5 * s, 1e-5);
  ops::batch_norm2d(x, gamma, beta, rm, rv, true);  // second step moves them further
  EXPECT_NEAR(rm.item(), 0.9 * 0.25 + 0.25, 1e-6);
}

TEST(BatchNorm2dOp, EvalUsesRunningStatisticsAndLeavesThem) {
  Tensor xt = test::random_tensor({2, 2, 3, 4}, 4);
  Var x(xt), gamma(test::random_tensor({2}, 5, 0.5f, 1.5f)), beta(test::random_tensor({2}, 6));
  Tensor rm = Tensor::from_vector(std::vector<float>{0.3f, -0.2f}, {2});
  Tensor rv = Tensor::from_vector(std::vector<float>{0.5f, 2.f}, {2});
  Var y = ops::batch_norm2d(x, gamma, beta, rm, rv, false, 0.1f, 1e-5f);
  EXPECT_TRUE(test::all_close(
      y.value(), normalise(xt, {0.3, -0.2}, {0.5, 2.0}, gamma.value(), beta.value(), 1e-5), 1e-5f,
      1e-6f));
  EXPECT_EQ(rm.to_vector(), (std::vector<float>{0.3f, -0.2f}));
  EXPECT_EQ(rv.to_vector(), (std::vector<float>{0.5f, 2.f}));
}

TEST(BatchNorm2dOp, GradCheckTraining) {
  Tensor rm = Tensor::zeros({3}), rv = Tensor::full({3}, 1.f);
  std::vector<Var> in{Var(test::random_tensor({3, 3, 2, 3}, 7, -2.f, 2.f), true),
                      Var(test::random_tensor({3}, 8, 0.5f, 1.5f), true),
                      Var(test::random_tensor({3}, 9), true)};
  auto f = [&](const std::vector<Var>& v) {
    return ops::batch_norm2d(v[0], v[1], v[2], rm, rv, true);
  };
  test::GradCheckOptions opt;
  opt.eps = 5e-3f;
  EXPECT_TRUE(test::grad_check(f, in, opt));
}

TEST(BatchNorm2dOp, GradCheckEval) {
  Tensor rm = Tensor::from_vector(std::vector<float>{0.1f, -0.3f}, {2});
  Tensor rv = Tensor::from_vector(std::vector<float>{0.7f, 1.9f}, {2});
  std::vector<Var> in{Var(test::random_tensor({2, 2, 3, 2}, 10), true),
                      Var(test::random_tensor({2}, 11, 0.5f, 1.5f), true),
                      Var(test::random_tensor({2}, 12), true)};
  auto f = [&](const std::vector<Var>& v) {
    return ops::batch_norm2d(v[0], v[1], v[2], rm, rv, false);
  };
  EXPECT_TRUE(test::grad_check(f, in));
}

TEST(BatchNorm2dOp, TrainingGradientSumsToZeroOverEachChannel) {
  // With batch statistics, adding a constant to a channel changes nothing, so dx sums to
  // zero per channel; and dbeta is the plain sum of dy.
  Tensor rm = Tensor::zeros({2}), rv = Tensor::full({2}, 1.f);
  Var x(test::random_tensor({4, 2, 3, 3}, 13), true), gamma(Tensor::full({2}, 1.3f), true),
      beta(Tensor::zeros({2}), true);
  Var y = ops::batch_norm2d(x, gamma, beta, rm, rv, true);
  Tensor seed = test::random_tensor(y.shape(), 14);
  y.backward(seed);
  std::vector<float> dx = x.grad().to_vector(), dy = seed.to_vector();
  for (int c = 0; c < 2; ++c) {
    double sdx = 0, sdy = 0;
    for (int i = 0; i < 4; ++i)
      for (int k = 0; k < 9; ++k) sdx += dx[(i * 2 + c) * 9 + k], sdy += dy[(i * 2 + c) * 9 + k];
    EXPECT_NEAR(sdx, 0.0, 1e-5);
    EXPECT_NEAR(beta.grad().to_vector()[c], sdy, 1e-5);
  }
}

TEST(BatchNorm2dOp, RejectsBadArguments) {
  Tensor rm = Tensor::zeros({2}), rv = Tensor::full({2}, 1.f);
  Var g(Tensor::full({2}, 1.f)), b(Tensor::zeros({2}));
  EXPECT_THROW(ops::batch_norm2d(Var(Tensor::zeros({2, 3, 2, 2})), g, b, rm, rv, true), Error);
  // One value per channel has no batch variance to train with.
  EXPECT_THROW(ops::batch_norm2d(Var(Tensor::zeros({1, 2, 1, 1})), g, b, rm, rv, true), Error);
  EXPECT_NO_THROW(ops::batch_norm2d(Var(Tensor::zeros({1, 2, 1, 1})), g, b, rm, rv, false));
}

TEST(BatchNorm2dModule, ParametersBuffersAndModes) {
  nn::BatchNorm2d bn(4);
  auto p = bn.named_parameters();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].first, "weight");
  EXPECT_EQ(p[1].first, "bias");
  EXPECT_EQ(p[0].second->value().to_vector(), std::vector<float>(4, 1.f));
  EXPECT_EQ(p[1].second->value().to_vector(), std::vector<float>(4, 0.f));
  auto b = bn.named_buffers();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].first, "running_mean");
  EXPECT_EQ(b[1].first, "running_var");
  EXPECT_EQ(b[0].second->to_vector(), std::vector<float>(4, 0.f));
  EXPECT_EQ(b[1].second->to_vector(), std::vector<float>(4, 1.f));

  Var x(test::random_tensor({3, 4, 2, 2}, 15, 1.f, 3.f));
  bn.forward(x);  // training by default: moves the running mean towards ~2
  std::vector<float> after = bn.running_mean().to_vector();
  for (float v : after) EXPECT_GT(v, 0.1f);
  bn.eval();
  Var ye = bn.forward(x);
  EXPECT_EQ(bn.running_mean().to_vector(), after);
  std::vector<double> mean(after.begin(), after.end()), var;
  for (float v : bn.running_var().to_vector()) var.push_back(v);
  EXPECT_TRUE(test::all_close(
      ye.value(), normalise(x.value(), mean, var, bn.weight().value(), bn.bias().value(), 1e-5),
      1e-5f, 1e-6f));
}

// Runs one op on CPU and CUDA with per-device running statistics and compares outputs,
// gradients and the updated statistics.
void check_cuda_bn(const Shape& xs, bool training) {
  const int c = int(xs[1]);
  Tensor rm_c = test::random_tensor({c}, 20), rv_c = test::random_tensor({c}, 21, 0.5f, 2.f);
  Tensor rm_g = rm_c.to(Device::cuda(0)), rv_g = rv_c.to(Device::cuda(0));
  std::vector<Var> in{Var(test::random_tensor(xs, 22, -1.f, 3.f), true),
                      Var(test::random_tensor({c}, 23, 0.5f, 1.5f), true),
                      Var(test::random_tensor({c}, 24), true)};
  auto f = [&](const std::vector<Var>& v) {
    const bool g = v[0].value().is_cuda();
    return ops::batch_norm2d(v[0], v[1], v[2], g ? rm_g : rm_c, g ? rv_g : rv_c, training, 0.1f,
                             1e-5f);
  };
  EXPECT_TRUE(test::cuda_matches_cpu(f, in, 1e-4f, 1e-4f)) << (training ? "training" : "eval");
  EXPECT_TRUE(test::all_close(rm_g, rm_c, 1e-4f, 1e-5f)) << "running mean";
  EXPECT_TRUE(test::all_close(rv_g, rv_c, 1e-4f, 1e-5f)) << "running variance";
}

TEST(BatchNorm2dOp, CudaMatchesCpuTraining) {
  MGR_REQUIRE_CUDA();
  check_cuda_bn({3, 5, 6, 7}, true);
  check_cuda_bn({8, 32, 64, 65}, true);
}

TEST(BatchNorm2dOp, CudaMatchesCpuEval) {
  MGR_REQUIRE_CUDA();
  check_cuda_bn({3, 5, 6, 7}, false);
  check_cuda_bn({8, 32, 64, 65}, false);
}

TEST(BatchNorm2dOp, CudaGradientOnlyForParameters) {
  MGR_REQUIRE_CUDA();
  // x needs no gradient: cuDNN still writes a dx, into scratch; gamma and beta accumulate.
  Tensor rm_c = Tensor::zeros({3}), rv_c = Tensor::full({3}, 1.f);
  Tensor rm_g = rm_c.to(Device::cuda(0)), rv_g = rv_c.to(Device::cuda(0));
  std::vector<Var> in{Var(test::random_tensor({2, 3, 4, 5}, 30)),
                      Var(test::random_tensor({3}, 31, 0.5f, 1.5f), true),
                      Var(test::random_tensor({3}, 32), true)};
  auto f = [&](const std::vector<Var>& v) {
    const bool g = v[0].value().is_cuda();
    return ops::batch_norm2d(v[0], v[1], v[2], g ? rm_g : rm_c, g ? rv_g : rv_c, true);
  };
  EXPECT_TRUE(test::cuda_matches_cpu(f, in, 1e-4f, 1e-4f));
}

TEST(BatchNorm2dModule, CudaModuleMatchesCpuModule) {
  MGR_REQUIRE_CUDA();
  nn::BatchNorm2d c(6), g(6);
  g.to(Device::cuda(0));
  Tensor x = test::random_tensor({4, 6, 5, 7}, 40, -1.f, 2.f);
  for (int step = 0; step < 2; ++step) {  // two training steps move the running statistics
    EXPECT_TRUE(test::all_close(g.forward(Var(x.to(Device::cuda(0)))).value(),
                                c.forward(Var(x)).value(), 1e-4f, 1e-5f));
  }
  EXPECT_TRUE(test::all_close(g.running_mean(), c.running_mean(), 1e-4f, 1e-5f));
  EXPECT_TRUE(test::all_close(g.running_var(), c.running_var(), 1e-4f, 1e-5f));
  g.eval();
  c.eval();
  EXPECT_TRUE(test::all_close(g.forward(Var(x.to(Device::cuda(0)))).value(),
                              c.forward(Var(x)).value(), 1e-4f, 1e-5f));
}

}  // namespace
}  // namespace mgr
