#include <cmath>

#include "framework/nn/linear.h"
#include "framework/ops/linear.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

// y = x W^T + b in double, the definition the op must match.
Tensor naive_linear(const Tensor& x, const Tensor& w, const Tensor* b) {
  const int64_t in = w.dim(1), out = w.dim(0), rows = x.numel() / in;
  std::vector<float> xv = x.to_vector(), wv = w.to_vector(), y(rows * out);
  std::vector<float> bv = b ? b->to_vector() : std::vector<float>(out, 0.f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = bv[o];
      for (int64_t i = 0; i < in; ++i) s += double(xv[r * in + i]) * wv[o * in + i];
      y[r * out + o] = static_cast<float>(s);
    }
  Shape ys = x.shape();
  ys.back() = out;
  return Tensor::from_vector(y, ys);
}

TEST(Linear, ForwardMatchesNaive) {
  Tensor x = test::random_tensor({7, 13}, 1), w = test::random_tensor({5, 13}, 2);
  Tensor b = test::random_tensor({5}, 3);
  EXPECT_TRUE(test::all_close(ops::linear(Var(x), Var(w), Var(b)).value(), naive_linear(x, w, &b),
                              1e-5f, 1e-5f));
  EXPECT_TRUE(test::all_close(ops::linear(Var(x), Var(w), Var()).value(),
                              naive_linear(x, w, nullptr), 1e-5f, 1e-5f));
  // Leading dimensions are flattened into rows.
  Tensor x3 = test::random_tensor({2, 3, 13}, 4);
  Var y3 = ops::linear(Var(x3), Var(w), Var(b));
  EXPECT_EQ(y3.shape(), (Shape{2, 3, 5}));
  EXPECT_TRUE(test::all_close(y3.value(), naive_linear(x3, w, &b), 1e-5f, 1e-5f));
}

TEST(Linear, GradCheckWithBias) {
  Var x(test::random_tensor({4, 6}, 5), true), w(test::random_tensor({3, 6}, 6), true),
      b(test::random_tensor({3}, 7), true);
  EXPECT_TRUE(test::grad_check(
      [](const std::vector<Var>& in) { return ops::linear(in[0], in[1], in[2]); }, {x, w, b}));
}

TEST(Linear, GradCheckWithoutBiasAndRank3) {
  Var x(test::random_tensor({2, 3, 5}, 8), true), w(test::random_tensor({4, 5}, 9), true);
  EXPECT_TRUE(test::grad_check(
      [](const std::vector<Var>& in) { return ops::linear(in[0], in[1], Var()); }, {x, w}));
}

TEST(Linear, GradientsMatchClosedForm) {
  // With seed dy: dx = dy W, dW = dy^T x, db = column sums of dy.
  Tensor xt = test::random_tensor({3, 4}, 10), wt = test::random_tensor({2, 4}, 11);
  Tensor dy = test::random_tensor({3, 2}, 12);
  Var x(xt, true), w(wt, true), b(Tensor::zeros({2}), true);
  ops::linear(x, w, b).backward(dy);
  std::vector<float> X = xt.to_vector(), W = wt.to_vector(), D = dy.to_vector();
  std::vector<float> dx(12), dw(8), db(2);
  for (int r = 0; r < 3; ++r)
    for (int o = 0; o < 2; ++o) {
      db[o] += D[r * 2 + o];
      for (int i = 0; i < 4; ++i) {
        dx[r * 4 + i] += D[r * 2 + o] * W[o * 4 + i];
        dw[o * 4 + i] += D[r * 2 + o] * X[r * 4 + i];
      }
    }
  EXPECT_TRUE(test::all_close(x.grad(), Tensor::from_vector(dx, {3, 4}), 1e-5f, 1e-6f));
  EXPECT_TRUE(test::all_close(w.grad(), Tensor::from_vector(dw, {2, 4}), 1e-5f, 1e-6f));
  EXPECT_TRUE(test::all_close(b.grad(), Tensor::from_vector(db, {2}), 1e-5f, 1e-6f));
  // A second backward accumulates (beta = 1 into the gradient buffers).
  ops::linear(x, w, b).backward(dy);
  for (float& v : dw) v *= 2;
  EXPECT_TRUE(test::all_close(w.grad(), Tensor::from_vector(dw, {2, 4}), 1e-5f, 1e-6f));
}

TEST(Linear, RejectsBadShapes) {
  Var x(test::random_tensor({4, 6}, 1)), w(test::random_tensor({3, 5}, 2));
  EXPECT_THROW(ops::linear(x, w, Var()), Error);
  Var w2(test::random_tensor({3, 6}, 2)), b(test::random_tensor({4}, 3));
  EXPECT_THROW(ops::linear(x, w2, b), Error);
}

TEST(LinearModule, ParametersAndGlorotInit) {
  nn::Linear a(40, 24, true, 7), b(40, 24, true, 7), c(40, 24, true, 8), nb(40, 24, false);
  auto named = a.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(named[1].first, "bias");
  EXPECT_EQ(named[0].second->shape(), (Shape{24, 40}));
  EXPECT_EQ(nb.named_parameters().size(), 1u);
  EXPECT_EQ(nb.bias(), nullptr);
  std::vector<float> wa = a.weight().value().to_vector();
  EXPECT_EQ(wa, b.weight().value().to_vector()) << "same seed, same weights";
  EXPECT_NE(wa, c.weight().value().to_vector()) << "different seed, different weights";
  const double limit = std::sqrt(6.0 / (40 + 24));
  double mean = 0, sq = 0, mx = 0;
  for (float v : wa) mean += v, sq += double(v) * v, mx = std::max(mx, std::abs(double(v)));
  mean /= wa.size();
  sq /= wa.size();
  EXPECT_LE(mx, limit);
  EXPECT_GT(mx, 0.95 * limit);
  EXPECT_NEAR(mean, 0.0, 0.05 * limit);
  EXPECT_NEAR(sq, limit * limit / 3.0, 0.1 * limit * limit / 3.0);  // variance of U(-a, a)
  for (float v : a.bias()->value().to_vector()) EXPECT_EQ(v, 0.f);
  Var y = a.forward(Var(test::random_tensor({5, 40}, 3)));
  EXPECT_EQ(y.shape(), (Shape{5, 24}));
}

TEST(Linear, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  Var x(test::random_tensor({33, 70}, 1), true), w(test::random_tensor({19, 70}, 2), true),
      b(test::random_tensor({19}, 3), true);
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) { return ops::linear(in[0], in[1], in[2]); }, {x, w, b}, 1e-4f,
      1e-4f));
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) { return ops::linear(in[0], in[1], Var()); }, {x, w}, 1e-4f,
      1e-4f));
  // Many rows: the bias reduction runs over more than one row phase per column.
  Var x2(test::random_tensor({2, 300, 70}, 4), true);
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) { return ops::linear(in[0], in[1], in[2]); }, {x2, w, b},
      1e-4f, 1e-4f));
}

}  // namespace
}  // namespace mgr
