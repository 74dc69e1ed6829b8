// max_pool2d op and MaxPool2d module: forward against a direct loop, the argmax rule on ties,
// gradients by central differences away from the kinks, CUDA against the CPU.
#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "framework/nn/maxpool2d.h"
#include "framework/ops/pool2d.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

// Distinct values 0.05 apart in random order: no two elements of a window are within the
// finite-difference step of each other, so the argmax never flips during a gradient check.
Tensor distinct_tensor(const Shape& s, uint32_t seed) {
  std::vector<float> v(static_cast<size_t>(shape_numel(s)));
  std::iota(v.begin(), v.end(), 0.f);
  std::mt19937 rng(seed);
  std::shuffle(v.begin(), v.end(), rng);
  for (float& x : v) x = 0.05f * x - 1.f;
  return Tensor::from_vector(v, s);
}

struct PoolCase {
  int n, c, h, w, kh, kw, sh, sw;
};
const std::vector<PoolCase> kCases = {
    {2, 3, 8, 9, 2, 2, 2, 2},  // the CRNN's 2x2 pool, odd width drops the last column
    {1, 2, 7, 9, 2, 3, 1, 2},  // non-square, overlapping rows
    {2, 1, 9, 9, 3, 3, 2, 2},  // overlapping windows on both axes
    {1, 2, 4, 12, 4, 4, 4, 4},
};

Tensor direct_max_pool(const Tensor& x, const PoolCase& p) {
  const int oh = (p.h - p.kh) / p.sh + 1, ow = (p.w - p.kw) / p.sw + 1;
  std::vector<float> xv = x.to_vector(), y;
  for (int pl = 0; pl < p.n * p.c; ++pl)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        float m = -1e30f;
        for (int i = 0; i < p.kh; ++i)
          for (int j = 0; j < p.kw; ++j)
            m = std::max(m, xv[(size_t(pl) * p.h + oy * p.sh + i) * p.w + ox * p.sw + j]);
        y.push_back(m);
      }
  return Tensor::from_vector(y, {p.n, p.c, oh, ow});
}

TEST(MaxPool2dOp, ForwardMatchesDirectLoop) {
  for (const PoolCase& p : kCases) {
    Var x(test::random_tensor({p.n, p.c, p.h, p.w}, 1));
    Var y = ops::max_pool2d(x, p.kh, p.kw, p.sh, p.sw);
    EXPECT_TRUE(test::all_close(y.value(), direct_max_pool(x.value(), p), 0.f, 0.f));
  }
}

TEST(MaxPool2dOp, SmallExampleByHand) {
  Var x(Tensor::from_vector(std::vector<float>{1, 5, 2, 0,    //
                                               3, 4, 8, 7,    //
                                               -1, -2, 6, 6,  //
                                               -3, -4, 6, 9},
                            {1, 1, 4, 4}),
        true);
  Var y = ops::max_pool2d(x, 2, 2, 2, 2);
  EXPECT_EQ(y.value().to_vector(), (std::vector<float>{5, 8, -1, 9}));
  y.backward(Tensor::from_vector(std::vector<float>{10, 20, 30, 40}, {1, 1, 2, 2}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0, 10, 0, 0,  //
                                                      0, 0, 20, 0,  //
                                                      30, 0, 0, 0,  //
                                                      0, 0, 0, 40}));
}

TEST(MaxPool2dOp, TiesGoToTheFirstMaximum) {
  // Flat windows (as after a ReLU): the whole gradient goes to the first element in row-major
  // order; overlapping windows (3x3 stride 1) accumulate on it.
  Var x(Tensor::full({1, 1, 4, 4}, 0.f), true);
  Var y = ops::max_pool2d(x, 2, 2, 2, 2);
  y.backward(Tensor::full(y.shape(), 1.f));
  EXPECT_EQ(x.grad().to_vector(),
            (std::vector<float>{1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0}));
  Var x2(Tensor::full({1, 1, 4, 4}, 2.f), true);
  Var y2 = ops::max_pool2d(x2, 3, 3, 1, 1);
  y2.backward(Tensor::full(y2.shape(), 1.f));
  EXPECT_EQ(x2.grad().to_vector(),
            (std::vector<float>{1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(MaxPool2dOp, GradCheck) {
  for (const PoolCase& p : kCases) {
    std::vector<Var> in{Var(distinct_tensor({p.n, p.c, p.h, p.w}, 2), true)};
    auto f = [&p](const std::vector<Var>& v) {
      return ops::max_pool2d(v[0], p.kh, p.kw, p.sh, p.sw);
    };
    EXPECT_TRUE(test::grad_check(f, in))
        << "k" << p.kh << "x" << p.kw << " s" << p.sh << "x" << p.sw;
  }
}

TEST(MaxPool2dOp, RejectsBadArguments) {
  Var x(test::random_tensor({1, 1, 3, 3}, 1));
  EXPECT_THROW(ops::max_pool2d(x, 4, 2, 1, 1), Error);
  EXPECT_THROW(ops::max_pool2d(x, 2, 2, 0, 1), Error);
  EXPECT_THROW(ops::max_pool2d(Var(test::random_tensor({3, 3}, 1)), 2, 2, 2, 2), Error);
}

TEST(MaxPool2dModule, ShapesAndDefaultStride) {
  nn::MaxPool2d pool(2);
  EXPECT_TRUE(pool.named_parameters().empty());
  EXPECT_EQ(pool.forward(Var(test::random_tensor({2, 3, 9, 8}, 1))).shape(), (Shape{2, 3, 4, 4}));
  nn::MaxPool2d overlap(3, 1);
  EXPECT_EQ(overlap.forward(Var(test::random_tensor({1, 1, 5, 6}, 1))).shape(),
            (Shape{1, 1, 3, 4}));
}

TEST(MaxPool2dOp, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  for (const PoolCase& p : kCases) {
    std::vector<Var> in{Var(distinct_tensor({p.n, p.c, p.h, p.w}, 3), true)};
    auto f = [&p](const std::vector<Var>& v) {
      return ops::max_pool2d(v[0], p.kh, p.kw, p.sh, p.sw);
    };
    EXPECT_TRUE(test::cuda_matches_cpu(f, in, 0.f, 1e-6f))
        << "k" << p.kh << "x" << p.kw << " s" << p.sh << "x" << p.sw;
  }
  // The CRNN's first pool at a reduced batch, on random (tie-free) data.
  std::vector<Var> big{Var(test::random_tensor({4, 32, 128, 130}, 4), true)};
  auto f = [](const std::vector<Var>& v) { return ops::max_pool2d(v[0], 2, 2, 2, 2); };
  EXPECT_TRUE(test::cuda_matches_cpu(f, big, 0.f, 1e-6f));
}

TEST(MaxPool2dOp, CudaTieRuleMatchesCpu) {
  MGR_REQUIRE_CUDA();
  // Flat and partly flat windows, as after a ReLU: CUDNN_POOLING_MAX_DETERMINISTIC must route
  // the gradient to the same element as the CPU.
  std::vector<float> v(2 * 8 * 8);
  for (size_t i = 0; i < v.size(); ++i) v[i] = (i % 5 == 0) ? 1.f : 0.f;
  std::vector<Var> in{Var(Tensor::from_vector(v, {1, 2, 8, 8}), true)};
  auto f = [](const std::vector<Var>& x) { return ops::max_pool2d(x[0], 2, 2, 2, 2); };
  EXPECT_TRUE(test::cuda_matches_cpu(f, in, 0.f, 1e-6f));
}

}  // namespace
}  // namespace mgr
