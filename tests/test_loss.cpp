#include <cmath>

#include "framework/ops/loss.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

Tensor labels_of(const std::vector<int32_t>& l) {
  return Tensor::from_vector(l, {static_cast<int64_t>(l.size())});
}

// Mean cross-entropy in double, written from the definition -log(softmax(x)[label]).
double reference_ce(const std::vector<float>& x, const std::vector<int32_t>& labels, int C) {
  double total = 0;
  const int N = static_cast<int>(labels.size());
  for (int r = 0; r < N; ++r) {
    double mx = -1e300;
    for (int c = 0; c < C; ++c) mx = std::max(mx, double(x[r * C + c]));
    double s = 0;
    for (int c = 0; c < C; ++c) s += std::exp(double(x[r * C + c]) - mx);
    total += -(double(x[r * C + labels[r]]) - mx - std::log(s));
  }
  return total / N;
}

TEST(SoftmaxCrossEntropy, MatchesDoubleFormula) {
  const int N = 9, C = 10;
  std::vector<float> x = test::random_tensor({N, C}, 1, -4.f, 4.f).to_vector();
  for (int c = 0; c < C; ++c) x[2 * C + c] += 80.f;  // a row whose naive exp overflows float
  std::vector<int32_t> labels = {0, 3, 9, 2, 2, 7, 1, 5, 4};
  Var loss = ops::softmax_cross_entropy(Var(Tensor::from_vector(x, {N, C})), labels_of(labels));
  EXPECT_EQ(loss.shape(), (Shape{1}));
  EXPECT_NEAR(loss.value().item(), reference_ce(x, labels, C), 1e-5);
}

TEST(SoftmaxCrossEntropy, StableForHugeLogits) {
  Var logits(Tensor::from_vector(std::vector<float>{1e4f, 0.f, -1e4f, 3e4f, 3e4f, 3e4f}, {2, 3}),
             true);
  Var loss = ops::softmax_cross_entropy(logits, labels_of({1, 2}));
  // Row 0: -log softmax = 1e4; row 1: log 3.
  EXPECT_NEAR(loss.value().item(), (1e4 + std::log(3.0)) / 2, 1e-2);
  loss.backward();
  for (float g : logits.grad().to_vector()) EXPECT_TRUE(std::isfinite(g));
}

TEST(SoftmaxCrossEntropy, GradientIsSoftmaxMinusOneHotOverN) {
  const int N = 4, C = 5;
  Tensor x = test::random_tensor({N, C}, 2, -3.f, 3.f);
  std::vector<int32_t> labels = {4, 0, 2, 2};
  Var logits(x, true);
  Var loss = ops::softmax_cross_entropy(logits, labels_of(labels));
  loss.backward(Tensor::full({1}, 2.f));  // the upstream gradient scales the result
  std::vector<float> xv = x.to_vector(), want(N * C);
  for (int r = 0; r < N; ++r) {
    double s = 0;
    for (int c = 0; c < C; ++c) s += std::exp(double(xv[r * C + c]));
    for (int c = 0; c < C; ++c)
      want[r * C + c] =
          static_cast<float>(2.0 * (std::exp(double(xv[r * C + c])) / s - (c == labels[r])) / N);
  }
  EXPECT_TRUE(test::all_close(logits.grad(), Tensor::from_vector(want, {N, C}), 1e-5f, 1e-6f));
}

TEST(SoftmaxCrossEntropy, GradCheck) {
  Var logits(test::random_tensor({6, 4}, 3, -2.f, 2.f), true);
  Tensor labels = labels_of({0, 1, 2, 3, 1, 0});
  EXPECT_TRUE(test::grad_check(
      [labels](const std::vector<Var>& in) { return ops::softmax_cross_entropy(in[0], labels); },
      {logits}));
}

TEST(SoftmaxCrossEntropy, RejectsBadLabels) {
  Var logits(test::random_tensor({3, 4}, 4));
  EXPECT_THROW(ops::softmax_cross_entropy(logits, labels_of({0, 4, 1})), Error);
  EXPECT_THROW(ops::softmax_cross_entropy(logits, labels_of({0, -1, 1})), Error);
  EXPECT_THROW(ops::softmax_cross_entropy(logits, labels_of({0, 1})), Error);
  EXPECT_THROW(ops::softmax_cross_entropy(logits, Tensor::zeros({3})), Error);  // f32 labels
  EXPECT_NO_THROW(ops::check_labels(labels_of({0, 3, 1}), 3, 4));
  EXPECT_THROW(ops::check_labels(labels_of({0, 3, 1}), 3, 3), Error);
}

TEST(Softmax, RowsMatchDoubleAndSumToOne) {
  Tensor x = test::random_tensor({2, 3, 7}, 5, -10.f, 10.f);
  Tensor p = ops::softmax(x);
  EXPECT_EQ(p.shape(), x.shape());
  std::vector<float> xv = x.to_vector(), pv = p.to_vector();
  for (int r = 0; r < 6; ++r) {
    double s = 0, total = 0;
    for (int c = 0; c < 7; ++c) s += std::exp(double(xv[r * 7 + c]));
    for (int c = 0; c < 7; ++c) {
      EXPECT_NEAR(pv[r * 7 + c], std::exp(double(xv[r * 7 + c])) / s, 1e-6);
      total += pv[r * 7 + c];
    }
    EXPECT_NEAR(total, 1.0, 1e-5);
  }
}

TEST(SoftmaxCrossEntropy, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  // 37 rows: not a multiple of the 8 rows per block; 45 classes: more than one warp stride.
  for (int C : {10, 45}) {
    std::vector<int32_t> l(37);
    for (int i = 0; i < 37; ++i) l[i] = (i * 7) % C;
    Tensor labels = labels_of(l);
    Var logits(test::random_tensor({37, C}, 6, -5.f, 5.f), true);
    EXPECT_TRUE(test::cuda_matches_cpu(
        [labels](const std::vector<Var>& in) { return ops::softmax_cross_entropy(in[0], labels); },
        {logits}, 1e-5f, 1e-6f));
    Tensor x = test::random_tensor({37, C}, 7, -20.f, 20.f);
    EXPECT_TRUE(
        test::all_close(ops::softmax(x.to(Device::cuda(0))), ops::softmax(x), 1e-5f, 1e-7f));
  }
}

TEST(SoftmaxCrossEntropy, CudaLabelOutOfRangeGivesNaNNotACrash) {
  MGR_REQUIRE_CUDA();
  // Labels already on the device are not validated; the kernel must not index with them.
  Var logits(test::random_tensor({3, 4}, 8).to(Device::cuda(0)), true);
  Tensor bad = labels_of({0, 9, 1}).to(Device::cuda(0));
  Var loss = ops::softmax_cross_entropy(logits, bad);
  EXPECT_TRUE(std::isnan(loss.value().item()));
  loss.backward();
  for (float g : logits.grad().to_vector()) EXPECT_FALSE(std::isnan(g));
}

}  // namespace
}  // namespace mgr
