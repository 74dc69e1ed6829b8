// max_pool2d op and MaxPool2d module: forward against a direct loop, the argmax rule on ties,
// gradients by central differences away from the kinks, CUDA against the CPU. avg_pool2d: the
// same against a direct mean. Global pooling (kernel = H x W) for both.
#include <algorithm>
#include <cstddef>
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

// Ties (flat windows, as after a ReLU) on `dev`: each window's gradient goes, whole, to one of
// its maximal elements. The CPU picks the first in row-major order (TiesGoToTheFirstMaximum);
// cuDNN's CUDNN_POOLING_MAX_DETERMINISTIC picks one that its documentation does not name, so this
// rule, not the CPU's choice, is what both devices promise. (After a ReLU the tied maxima are
// zeros, where the ReLU passes no gradient, so the choice does not change training there.)
::testing::AssertionResult ties_route_to_one_maximum(Device dev, int k, int s) {
  const int h = 8, w = 8, planes = 2;
  std::vector<float> v(size_t(planes) * h * w);
  for (size_t i = 0; i < v.size(); ++i) v[i] = (i % 5 == 0 && i < 80) ? 1.f : 0.f;
  Var x(Tensor::from_vector(v, {1, planes, h, w}).to(dev), true);
  Var y = ops::max_pool2d(x, k, k, s, s);
  const int oh = (h - k) / s + 1, ow = (w - k) / s + 1;
  std::vector<float> dy(size_t(planes) * oh * ow);
  for (size_t i = 0; i < dy.size(); ++i) dy[i] = float(i + 1);  // tells the windows apart
  y.backward(Tensor::from_vector(dy, y.shape()).to(dev));
  const std::vector<float> dx = x.grad().to(Device::cpu()).to_vector();
  // Which windows may send gradient to each element: those in which it is a maximum.
  std::vector<float> reachable(dx.size(), 0.f);
  double want_total = 0, total = 0;
  for (int pl = 0; pl < planes; ++pl)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        const float g = dy[(size_t(pl) * oh + oy) * ow + ox];
        want_total += g;
        float m = -1e30f;
        for (int i = 0; i < k; ++i)
          for (int j = 0; j < k; ++j)
            m = std::max(m, v[(size_t(pl) * h + oy * s + i) * w + ox * s + j]);
        int got_here = 0;
        for (int i = 0; i < k; ++i)
          for (int j = 0; j < k; ++j) {
            const size_t at = (size_t(pl) * h + oy * s + i) * w + ox * s + j;
            if (v[at] == m) reachable[at] += g;
            if (s >= k && dx[at] != 0.f) {  // non-overlapping: the window's gradient is alone
              ++got_here;
              if (v[at] != m || dx[at] != g)
                return ::testing::AssertionFailure()
                       << dev << " k" << k << " s" << s << ": window (" << pl << "," << oy << ","
                       << ox << ") sent " << dx[at] << " to a non-maximum or not its whole " << g;
            }
          }
        if (s >= k && got_here != 1)
          return ::testing::AssertionFailure() << dev << " k" << k << " s" << s << ": window ("
                                               << pl << "," << oy << "," << ox << ") sent its "
                                               << "gradient to " << got_here << " elements";
      }
  for (size_t i = 0; i < dx.size(); ++i) {
    total += dx[i];
    if (dx[i] != 0.f && reachable[i] == 0.f)
      return ::testing::AssertionFailure() << dev << " k" << k << " s" << s << ": element " << i
                                           << " got " << dx[i] << " but is no window's maximum";
  }
  if (total != want_total)
    return ::testing::AssertionFailure() << dev << " k" << k << " s" << s << ": gradient total "
                                         << total << ", want " << want_total;
  return ::testing::AssertionSuccess();
}

TEST(MaxPool2dOp, TiesRouteEachWindowToOneMaximum) {
  EXPECT_TRUE(ties_route_to_one_maximum(Device::cpu(), 2, 2));
  EXPECT_TRUE(ties_route_to_one_maximum(Device::cpu(), 4, 4));
  EXPECT_TRUE(ties_route_to_one_maximum(Device::cpu(), 3, 1));
}

TEST(MaxPool2dOp, CudaTiesRouteEachWindowToOneMaximum) {
  MGR_REQUIRE_CUDA();
  EXPECT_TRUE(ties_route_to_one_maximum(Device::cuda(0), 2, 2));
  EXPECT_TRUE(ties_route_to_one_maximum(Device::cuda(0), 4, 4));
  EXPECT_TRUE(ties_route_to_one_maximum(Device::cuda(0), 3, 1));
}

// ---- average pooling ---------------------------------------------------------------------

Tensor direct_avg_pool(const Tensor& x, const PoolCase& p) {
  const int oh = (p.h - p.kh) / p.sh + 1, ow = (p.w - p.kw) / p.sw + 1;
  std::vector<float> xv = x.to_vector(), y;
  for (int pl = 0; pl < p.n * p.c; ++pl)
    for (int oy = 0; oy < oh; ++oy)
      for (int ox = 0; ox < ow; ++ox) {
        double s = 0;
        for (int i = 0; i < p.kh; ++i)
          for (int j = 0; j < p.kw; ++j)
            s += xv[(size_t(pl) * p.h + oy * p.sh + i) * p.w + ox * p.sw + j];
        y.push_back(float(s / (p.kh * p.kw)));
      }
  return Tensor::from_vector(y, {p.n, p.c, oh, ow});
}

TEST(AvgPool2dOp, ForwardMatchesDirectLoop) {
  for (const PoolCase& p : kCases) {
    Var x(test::random_tensor({p.n, p.c, p.h, p.w}, 1));
    Var y = ops::avg_pool2d(x, p.kh, p.kw, p.sh, p.sw);
    EXPECT_TRUE(test::all_close(y.value(), direct_avg_pool(x.value(), p), 1e-6f, 1e-7f))
        << "k" << p.kh << "x" << p.kw << " s" << p.sh << "x" << p.sw;
  }
}

TEST(AvgPool2dOp, SmallExampleByHand) {
  Var x(Tensor::from_vector(std::vector<float>{1,   5,   2,   0,  //
                                               3,   4,   8,   7,  //
                                               -1,  -2,  6,   6,  //
                                               -3,  -4,  6,   9,  //
                                               100, 100, 100, 100},
                            {1, 1, 5, 4}),
        true);
  // 2x2 windows at stride 2; the fifth row falls outside the floor-mode grid.
  Var y = ops::avg_pool2d(x, 2, 2, 2, 2);
  EXPECT_EQ(y.value().to_vector(), (std::vector<float>{3.25f, 4.25f, -2.5f, 6.75f}));
  y.backward(Tensor::from_vector(std::vector<float>{4, 8, 12, 16}, {1, 1, 2, 2}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 1, 2, 2,  //
                                                      1, 1, 2, 2,  //
                                                      3, 3, 4, 4,  //
                                                      3, 3, 4, 4,  //
                                                      0, 0, 0, 0}));
  // Overlapping 3x3 windows at stride 1 on a 1x1x4x4 plane: the gradient of the sum of all
  // outputs counts how many windows cover each element, divided by 9.
  Var x2(test::random_tensor({1, 1, 4, 4}, 3), true);
  Var y2 = ops::avg_pool2d(x2, 3, 3, 1, 1);
  y2.backward(Tensor::full(y2.shape(), 9.f));
  EXPECT_EQ(x2.grad().to_vector(),
            (std::vector<float>{1, 2, 2, 1, 2, 4, 4, 2, 2, 4, 4, 2, 1, 2, 2, 1}));
}

TEST(AvgPool2dOp, GradCheck) {
  for (const PoolCase& p : kCases) {
    std::vector<Var> in{Var(test::random_tensor({p.n, p.c, p.h, p.w}, 2), true)};
    auto f = [&p](const std::vector<Var>& v) {
      return ops::avg_pool2d(v[0], p.kh, p.kw, p.sh, p.sw);
    };
    EXPECT_TRUE(test::grad_check(f, in))
        << "k" << p.kh << "x" << p.kw << " s" << p.sh << "x" << p.sw;
  }
}

TEST(AvgPool2dOp, RejectsBadArguments) {
  Var x(test::random_tensor({1, 1, 3, 3}, 1));
  EXPECT_THROW(ops::avg_pool2d(x, 4, 2, 1, 1), Error);
  EXPECT_THROW(ops::avg_pool2d(x, 2, 0, 1, 1), Error);
  EXPECT_THROW(ops::avg_pool2d(x, 2, 2, 0, 1), Error);
  EXPECT_THROW(ops::avg_pool2d(Var(test::random_tensor({3, 3}, 1)), 2, 2, 2, 2), Error);
}

TEST(AvgPool2dOp, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  for (const PoolCase& p : kCases) {
    std::vector<Var> in{Var(test::random_tensor({p.n, p.c, p.h, p.w}, 3), true)};
    auto f = [&p](const std::vector<Var>& v) {
      return ops::avg_pool2d(v[0], p.kh, p.kw, p.sh, p.sw);
    };
    EXPECT_TRUE(test::cuda_matches_cpu(f, in, 1e-5f, 1e-6f))
        << "k" << p.kh << "x" << p.kw << " s" << p.sh << "x" << p.sw;
  }
  std::vector<Var> big{Var(test::random_tensor({4, 32, 128, 130}, 4), true)};
  auto f = [](const std::vector<Var>& v) { return ops::avg_pool2d(v[0], 2, 2, 2, 2); };
  EXPECT_TRUE(test::cuda_matches_cpu(f, big, 1e-5f, 1e-6f));
}

// ---- global pooling (kernel = the whole plane) ---------------------------------------------

const std::vector<PoolCase> kGlobalCases = {
    {2, 3, 5, 7, 5, 7, 1, 1},  // stride irrelevant with one window
    {3, 4, 8, 8, 8, 8, 8, 8},  // stride = kernel, as a global-pool layer declares it
    {1, 2, 1, 9, 1, 9, 1, 1},  // one row
    {2, 16, 16, 33, 16, 33, 1, 1},
};

// Global max on distinct values (the argmax never flips in the gradient check); global mean on
// values in [-1, 1] (large values would drown the finite differences of a mean over hundreds
// of elements in float32 rounding).
TEST(GlobalPool2d, MaxAndAvgGiveOneValuePerPlane) {
  for (const PoolCase& p : kGlobalCases) {
    const Shape s{p.n, p.c, p.h, p.w};
    const size_t hw = size_t(p.h) * p.w;
    Var xm(distinct_tensor(s, 5), true), xa(test::random_tensor(s, 5), true);
    Var ymax = ops::max_pool2d(xm, p.kh, p.kw, p.sh, p.sw);
    Var yavg = ops::avg_pool2d(xa, p.kh, p.kw, p.sh, p.sw);
    EXPECT_EQ(ymax.shape(), (Shape{p.n, p.c, 1, 1}));
    EXPECT_EQ(yavg.shape(), (Shape{p.n, p.c, 1, 1}));
    std::vector<float> mx = xm.value().to_vector(), ax = xa.value().to_vector();
    std::vector<float> mv = ymax.value().to_vector(), av = yavg.value().to_vector();
    for (size_t pl = 0; pl < size_t(p.n) * p.c; ++pl) {
      const auto mb = mx.begin() + std::ptrdiff_t(pl * hw);
      EXPECT_EQ(mv[pl], *std::max_element(mb, mb + std::ptrdiff_t(hw)));
      double sum = 0;
      for (size_t i = 0; i < hw; ++i) sum += ax[pl * hw + i];
      EXPECT_NEAR(av[pl], sum / double(hw), 1e-6);
    }
    auto fmax = [&p](const std::vector<Var>& v) {
      return ops::max_pool2d(v[0], p.kh, p.kw, p.sh, p.sw);
    };
    auto favg = [&p](const std::vector<Var>& v) {
      return ops::avg_pool2d(v[0], p.kh, p.kw, p.sh, p.sw);
    };
    EXPECT_TRUE(test::grad_check(fmax, {xm})) << "max " << p.h << "x" << p.w;
    EXPECT_TRUE(test::grad_check(favg, {xa})) << "avg " << p.h << "x" << p.w;
  }
}

TEST(GlobalPool2d, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  for (const PoolCase& p : kGlobalCases) {
    const Shape s{p.n, p.c, p.h, p.w};
    std::vector<Var> xm{Var(distinct_tensor(s, 6), true)};
    std::vector<Var> xa{Var(test::random_tensor(s, 6), true)};
    auto fmax = [&p](const std::vector<Var>& v) {
      return ops::max_pool2d(v[0], p.kh, p.kw, p.sh, p.sw);
    };
    auto favg = [&p](const std::vector<Var>& v) {
      return ops::avg_pool2d(v[0], p.kh, p.kw, p.sh, p.sw);
    };
    EXPECT_TRUE(test::cuda_matches_cpu(fmax, xm, 0.f, 1e-6f)) << "max " << p.h << "x" << p.w;
    EXPECT_TRUE(test::cuda_matches_cpu(favg, xa, 1e-5f, 1e-6f)) << "avg " << p.h << "x" << p.w;
  }
}

}  // namespace
}  // namespace mgr
