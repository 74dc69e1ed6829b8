#include "framework/ops/shape_ops.h"
#include "kernels/cpu/permute.h"
#include "kernels/shared/permute_index.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

// torch.permute by index arithmetic: out[idx] = in[idx mapped back through perm].
std::vector<float> naive_permute(const std::vector<float>& x, const Shape& s,
                                 const std::vector<int>& perm) {
  const int nd = static_cast<int>(s.size());
  Shape os(nd);
  for (int i = 0; i < nd; ++i) os[i] = s[perm[i]];
  std::vector<int64_t> in_stride(nd, 1);
  for (int d = nd - 2; d >= 0; --d) in_stride[d] = in_stride[d + 1] * s[d + 1];
  std::vector<float> y(x.size());
  for (int64_t o = 0; o < static_cast<int64_t>(y.size()); ++o) {
    int64_t rest = o, src = 0;
    for (int d = nd - 1; d >= 0; --d) {
      src += (rest % os[d]) * in_stride[perm[d]];
      rest /= os[d];
    }
    y[o] = x[src];
  }
  return y;
}

TEST(Reshape, IsAViewAndGradFlowsBack) {
  Var x(test::random_tensor({2, 3, 4}, 1), true);
  Var y = ops::reshape(x, {6, -1});
  EXPECT_EQ(y.shape(), (Shape{6, 4}));
  EXPECT_EQ(y.value().raw(), x.value().raw());
  EXPECT_TRUE(test::grad_check(
      [](const std::vector<Var>& in) {
        return ops::reshape(in[0], {4, 6});
      },
      {x}));
  EXPECT_THROW(ops::reshape(x, {5, 5}), Error);
}

TEST(Permute, MatchesIndexDefinition) {
  struct Case {
    Shape shape;
    std::vector<int> perm;
  };
  for (const Case& c :
       {Case{{3, 5}, {1, 0}}, Case{{2, 3, 4}, {2, 0, 1}}, Case{{2, 3, 4, 5}, {0, 2, 3, 1}},
        Case{{2, 1, 3, 2, 2, 3}, {5, 3, 1, 0, 4, 2}}, Case{{7}, {0}}}) {
    Tensor x = test::random_tensor(c.shape, 2);
    Var y = ops::permute(Var(x), c.perm);
    Shape want_shape;
    for (int d : c.perm) want_shape.push_back(c.shape[d]);
    EXPECT_EQ(y.shape(), want_shape);
    EXPECT_EQ(y.value().to_vector(), naive_permute(x.to_vector(), c.shape, c.perm));
  }
  // Negative entries count from the end.
  Tensor x = test::random_tensor({2, 3, 4}, 3);
  EXPECT_EQ(ops::permute(Var(x), {0, -1, 1}).value().to_vector(),
            ops::permute(Var(x), {0, 2, 1}).value().to_vector());
}

// The CUDA kernel rebuilds each output element's input offset with kernels::permute_source; the
// CPU twin walks the same plan with an odometer. Permuting the offsets themselves (exact in
// float below 2^24) must give permute_source(o) at every output position o.
TEST(Permute, SharedIndexMapMatchesTheCpuWalk) {
  const std::vector<std::pair<Shape, std::vector<int>>> cases = {
      {{7}, {0}},
      {{3, 5}, {1, 0}},
      {{2, 3, 4}, {2, 0, 1}},
      {{4, 1, 3, 2}, {3, 1, 0, 2}},
      {{2, 3, 1, 2, 3}, {4, 2, 0, 3, 1}},
      {{2, 2, 3, 1, 2, 3}, {5, 3, 1, 4, 0, 2}},
  };
  for (const auto& [shape, perm] : cases) {
    const int nd = static_cast<int>(shape.size());
    const kernels::PermutePlan plan = kernels::permute_plan(shape.data(), perm.data(), nd);
    std::vector<float> offsets(static_cast<size_t>(plan.numel)), y(offsets.size());
    for (size_t i = 0; i < offsets.size(); ++i) offsets[i] = static_cast<float>(i);
    kernels::cpu::permute(y.data(), offsets.data(), shape.data(), perm.data(), nd, false);
    for (int64_t o = 0; o < plan.numel; ++o)
      ASSERT_EQ(y[o], static_cast<float>(kernels::permute_source(o, plan))) << "element " << o;
  }
}

TEST(Permute, RejectsNonPermutations) {
  Var x(test::random_tensor({2, 3, 4}, 4));
  EXPECT_THROW(ops::permute(x, {0, 1}), Error);
  EXPECT_THROW(ops::permute(x, {0, 1, 1}), Error);
  EXPECT_THROW(ops::permute(x, {0, 1, 3}), Error);
  Var x7(test::random_tensor({1, 1, 1, 1, 1, 1, 2}, 5));
  EXPECT_THROW(ops::permute(x7, {0, 1, 2, 3, 4, 5, 6}), Error);
}

TEST(Permute, GradCheckAndInverse) {
  Var x(test::random_tensor({2, 3, 4, 2}, 6), true);
  EXPECT_TRUE(test::grad_check(
      [](const std::vector<Var>& in) {
        return ops::permute(in[0], {3, 1, 0, 2});
      },
      {x}));
  // Permuting with the inverse restores x exactly.
  Var y = ops::permute(ops::permute(x, {3, 1, 0, 2}), {2, 1, 3, 0});
  EXPECT_EQ(y.value().to_vector(), x.value().to_vector());
}

TEST(SelectTime, PicksTheStepAndScattersTheGradient) {
  const int64_t B = 3, T = 5, F = 4;
  Tensor xt = test::random_tensor({B, T, F}, 7);
  std::vector<float> xv = xt.to_vector();
  for (int t : {0, 2, -1, -5}) {
    const int64_t tt = t < 0 ? t + T : t;
    Var x(xt, true);
    Var y = ops::select_time(x, t);
    EXPECT_EQ(y.shape(), (Shape{B, F}));
    std::vector<float> yv = y.value().to_vector();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t f = 0; f < F; ++f) EXPECT_EQ(yv[b * F + f], xv[(b * T + tt) * F + f]);
    Tensor dy = test::random_tensor({B, F}, 8);
    y.backward(dy);
    std::vector<float> g = x.grad().to_vector(), dv = dy.to_vector();
    for (int64_t b = 0; b < B; ++b)
      for (int64_t s = 0; s < T; ++s)
        for (int64_t f = 0; f < F; ++f)
          EXPECT_EQ(g[(b * T + s) * F + f], s == tt ? dv[b * F + f] : 0.f);
  }
  Var x(xt, true);
  EXPECT_TRUE(test::grad_check(
      [](const std::vector<Var>& in) { return ops::select_time(in[0], -2); }, {x}));
  EXPECT_THROW(ops::select_time(x, 5), Error);
  EXPECT_THROW(ops::select_time(x, -6), Error);
  EXPECT_THROW(ops::select_time(Var(test::random_tensor({3, 4}, 1)), 0), Error);
}

TEST(ShapeOps, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  Var x4(test::random_tensor({3, 17, 9, 5}, 9), true);
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) {
        return ops::permute(in[0], {0, 2, 3, 1});
      },
      {x4}, 0.f, 1e-7f));
  Var x6(test::random_tensor({2, 3, 1, 4, 2, 5}, 10), true);
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) {
        return ops::permute(in[0], {5, 3, 1, 0, 4, 2});
      },
      {x6}, 0.f, 1e-7f));
  Var x2(test::random_tensor({130, 70}, 11), true);
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) {
        return ops::permute(in[0], {1, 0});
      },
      {x2}, 0.f, 1e-7f));
  Var x3(test::random_tensor({4, 33, 20}, 12), true);
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) { return ops::select_time(in[0], -1); }, {x3}, 0.f, 1e-7f));
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) {
        return ops::reshape(in[0], {-1, 20});
      },
      {x3}, 0.f, 1e-7f));
}

}  // namespace
}  // namespace mgr
