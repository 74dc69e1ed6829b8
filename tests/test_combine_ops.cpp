// add, concat and slice (framework/ops/shape_ops.h): values by hand, the shared index map of the
// block copy against the CPU walk, gradient checks, error messages, and CUDA against the CPU twin.
#include <string>
#include <vector>

#include "framework/ops/shape_ops.h"
#include "kernels/cpu/permute.h"
#include "kernels/shared/permute_index.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

Tensor vec(const std::vector<float>& v, const Shape& s) { return Tensor::from_vector(v, s); }

// The message of the mgr::Error that f throws ("" when it throws none).
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Add, ValuesAndBothGradients) {
  Var a(vec({1, 2, 3, 4, 5, 6}, {2, 3}), true);
  Var b(vec({10, 20, 30, 40, 50, 60}, {2, 3}), true);
  Var y = ops::add(a, b);
  EXPECT_EQ(y.value().to_vector(), (std::vector<float>{11, 22, 33, 44, 55, 66}));
  const Tensor dy = vec({1, -1, 2, -2, 3, -3}, {2, 3});
  y.backward(dy);
  EXPECT_EQ(a.grad().to_vector(), dy.to_vector());
  EXPECT_EQ(b.grad().to_vector(), dy.to_vector());

  // The same Var on both sides gets the gradient twice.
  Var c(vec({1, 2}, {2}), true);
  ops::add(c, c).backward(vec({0.5f, 3}, {2}));
  EXPECT_EQ(c.grad().to_vector(), (std::vector<float>{1, 6}));

  Var x(test::random_tensor({3, 4, 2}, 1), true), z(test::random_tensor({3, 4, 2}, 2), true);
  EXPECT_TRUE(
      test::grad_check([](const std::vector<Var>& in) { return ops::add(in[0], in[1]); }, {x, z}));
}

TEST(Add, RejectsMismatchedShapesNamingBoth) {
  Var a(test::random_tensor({2, 3}, 1)), b(test::random_tensor({3, 2}, 2));
  const std::string msg = error_of([&] { ops::add(a, b); });
  EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[3, 2]"), std::string::npos) << msg;
}

TEST(Concat, ValuesByHandOnEveryAxis) {
  // a [2, 2, 1] = {{{1}, {2}}, {{3}, {4}}}, b on the axis under test.
  Tensor a = vec({1, 2, 3, 4}, {2, 2, 1});
  {
    Var y = ops::concat({Var(a), Var(vec({5, 6}, {1, 2, 1}))}, 0);
    EXPECT_EQ(y.shape(), (Shape{3, 2, 1}));
    EXPECT_EQ(y.value().to_vector(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  }
  {
    Var y = ops::concat({Var(a), Var(vec({5, 6, 7, 8}, {2, 2, 1}))}, 1);
    EXPECT_EQ(y.shape(), (Shape{2, 4, 1}));
    EXPECT_EQ(y.value().to_vector(), (std::vector<float>{1, 2, 5, 6, 3, 4, 7, 8}));
  }
  {
    // Three inputs on the last axis (-1), the middle one 2 wide.
    Var y = ops::concat({Var(a), Var(vec({5, 6, 7, 8, 9, 10, 11, 12}, {2, 2, 2})),
                         Var(vec({0, 0, 0, 0}, a.shape()))},
                        -1);
    EXPECT_EQ(y.shape(), (Shape{2, 2, 4}));
    EXPECT_EQ(y.value().to_vector(),
              (std::vector<float>{1, 5, 6, 0, 2, 7, 8, 0, 3, 9, 10, 0, 4, 11, 12, 0}));
  }
  {
    // One input: a copy. A zero-width piece contributes nothing.
    Var y = ops::concat({Var(a)}, 1);
    EXPECT_EQ(y.value().to_vector(), a.to_vector());
    Var z = ops::concat({Var(Tensor::empty({2, 0, 1})), Var(a)}, 1);
    EXPECT_EQ(z.value().to_vector(), a.to_vector());
  }
}

TEST(Concat, BackwardHandsEachInputItsSlice) {
  Var a(test::random_tensor({2, 3, 2}, 3), true);
  Var b(test::random_tensor({2, 1, 2}, 4), false);  // no gradient wanted
  Var c(test::random_tensor({2, 2, 2}, 5), true);
  Var y = ops::concat({a, b, c}, 1);
  ASSERT_EQ(y.shape(), (Shape{2, 6, 2}));
  std::vector<float> dy(24);
  for (size_t i = 0; i < dy.size(); ++i) dy[i] = float(i);
  y.backward(vec(dy, {2, 6, 2}));
  // Row (o, t) of y is a's row t for t < 3, b's for t = 3, c's row t - 4 for t >= 4.
  std::vector<float> want_a, want_c;
  for (int o = 0; o < 2; ++o)
    for (int t = 0; t < 6; ++t)
      for (int i = 0; i < 2; ++i) {
        const float v = dy[(o * 6 + t) * 2 + i];
        if (t < 3) want_a.push_back(v);
        if (t >= 4) want_c.push_back(v);
      }
  EXPECT_EQ(a.grad().to_vector(), want_a);
  EXPECT_EQ(c.grad().to_vector(), want_c);
  EXPECT_FALSE(b.grad().defined());
}

TEST(Concat, GradCheck) {
  Var a(test::random_tensor({2, 3, 4}, 6), true), b(test::random_tensor({2, 3, 1}, 7), true);
  Var c(test::random_tensor({2, 3, 2}, 8), true);
  EXPECT_TRUE(
      test::grad_check([](const std::vector<Var>& in) { return ops::concat(in, 2); }, {a, b, c}));
  Var d(test::random_tensor({5, 3, 4}, 9), true);
  EXPECT_TRUE(
      test::grad_check([](const std::vector<Var>& in) { return ops::concat(in, 0); }, {a, d}));
  // The same Var twice: both slices add up in its gradient.
  EXPECT_TRUE(test::grad_check(
      [](const std::vector<Var>& in) {
        return ops::concat({in[0], in[0]}, 1);
      },
      {a}));
}

TEST(Concat, RejectsBadInputsNamingTheShapes) {
  Var a(test::random_tensor({2, 3}, 1)), b(test::random_tensor({4, 2}, 2));
  std::string msg = error_of([&] { ops::concat({a, b}, 1); });
  EXPECT_NE(msg.find("[2, 3]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[4, 2]"), std::string::npos) << msg;
  msg = error_of([&] { ops::concat({a, Var(test::random_tensor({2, 3, 1}, 3))}, 0); });
  EXPECT_NE(msg.find("[2, 3, 1]"), std::string::npos) << msg;
  EXPECT_THROW(ops::concat({}, 0), Error);
  EXPECT_THROW(ops::concat({a, a}, 2), Error);
  EXPECT_THROW(ops::concat({a, a}, -3), Error);
  EXPECT_NO_THROW(ops::concat({a, Var(test::random_tensor({5, 3}, 4))}, 0));
}

TEST(Slice, ValuesByHandAndScatteredGradient) {
  // x [2, 4] = {{0, 1, 2, 3}, {4, 5, 6, 7}}.
  Var x(vec({0, 1, 2, 3, 4, 5, 6, 7}, {2, 4}), true);
  Var y = ops::slice(x, 1, 1, 2);
  EXPECT_EQ(y.shape(), (Shape{2, 2}));
  EXPECT_EQ(y.value().to_vector(), (std::vector<float>{1, 2, 5, 6}));
  y.backward(vec({10, 20, 30, 40}, {2, 2}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0, 10, 20, 0, 0, 30, 40, 0}));

  EXPECT_EQ(ops::slice(x, 0, 1, 1).value().to_vector(), (std::vector<float>{4, 5, 6, 7}));
  EXPECT_EQ(ops::slice(x, -1, -1, 1).value().to_vector(), (std::vector<float>{3, 7}));
  EXPECT_EQ(ops::slice(x, 1, 4, 0).shape(), (Shape{2, 0}));
  EXPECT_EQ(ops::slice(x, 1, 0, 4).value().to_vector(), x.value().to_vector());

  // slice undoes concat.
  Tensor a = test::random_tensor({3, 2, 5}, 10), b = test::random_tensor({3, 4, 5}, 11);
  Var cat = ops::concat({Var(a), Var(b)}, 1);
  EXPECT_EQ(ops::slice(cat, 1, 0, 2).value().to_vector(), a.to_vector());
  EXPECT_EQ(ops::slice(cat, 1, 2, 4).value().to_vector(), b.to_vector());
}

TEST(Slice, GradCheckAndErrors) {
  Var x(test::random_tensor({3, 5, 4}, 12), true);
  EXPECT_TRUE(
      test::grad_check([](const std::vector<Var>& in) { return ops::slice(in[0], 1, 1, 3); }, {x}));
  EXPECT_TRUE(test::grad_check(
      [](const std::vector<Var>& in) { return ops::slice(in[0], -1, 2, 2); }, {x}));
  // Two overlapping slices of one input add up.
  EXPECT_TRUE(test::grad_check(
      [](const std::vector<Var>& in) {
        return ops::add(ops::slice(in[0], 0, 0, 2), ops::slice(in[0], 0, 1, 2));
      },
      {x}));
  const std::string msg = error_of([&] { ops::slice(x, 1, 3, 3); });
  EXPECT_NE(msg.find("[3, 5, 4]"), std::string::npos) << msg;
  EXPECT_THROW(ops::slice(x, 3, 0, 1), Error);
  EXPECT_THROW(ops::slice(x, 1, 6, 0), Error);
  EXPECT_THROW(ops::slice(x, 1, -6, 1), Error);
  EXPECT_THROW(ops::slice(x, 1, 0, -1), Error);
}

// The CUDA kernel finds each element's offsets with kernels::narrow_offsets; the CPU twin copies
// rows from middle_row offsets. Copying the source offsets themselves (exact in float) must put
// the offset narrow_offsets gives at the destination it gives.
TEST(Concat, SharedIndexMapMatchesTheCpuWalk) {
  const kernels::NarrowPlan plans[] = {
      {3, 2, 5, 7, 4, 3, 1},  // a slice of 2 at 4 of 7, into 3 at 1
      {1, 6, 1, 6, 0, 6, 0},  // everything
      {4, 1, 3, 2, 1, 5, 4},  // the last index
      {2, 3, 1, 3, 0, 9, 6},  // into the tail of a wider y (inner 1)
  };
  for (const kernels::NarrowPlan& p : plans) {
    std::vector<float> x(static_cast<size_t>(p.outer * p.x_len * p.inner));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
    std::vector<float> y(static_cast<size_t>(p.outer * p.y_len * p.inner), -1.f);
    kernels::cpu::narrow_copy(y.data(), x.data(), p, false);
    std::vector<float> want(y.size(), -1.f);
    for (int64_t e = 0; e < p.outer * p.len * p.inner; ++e) {
      int64_t src = 0, dst = 0;
      kernels::narrow_offsets(e, p, &src, &dst);
      want[static_cast<size_t>(dst)] = static_cast<float>(src);
    }
    EXPECT_EQ(y, want);
  }
}

TEST(CombineOps, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  // Copies and one addition per element: the two devices agree exactly. (cuda_matches_cpu makes
  // one CUDA Var per list entry, so no Var appears twice in a list here.)
  Var a(test::random_tensor({4, 33, 20}, 13), true), b(test::random_tensor({4, 33, 20}, 14), true);
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) { return ops::add(in[0], in[1]); }, {a, b}, 0.f, 0.f));
  Var c(test::random_tensor({4, 7, 20}, 15), true), d(test::random_tensor({4, 1, 20}, 16), false);
  for (int axis : {1, -2}) {
    SCOPED_TRACE("concat axis " + std::to_string(axis));
    EXPECT_TRUE(test::cuda_matches_cpu(
        [axis](const std::vector<Var>& in) { return ops::concat(in, axis); }, {a, c, d}, 0.f, 0.f));
  }
  Var e(test::random_tensor({2, 33, 20}, 17), true);
  EXPECT_TRUE(test::cuda_matches_cpu([](const std::vector<Var>& in) { return ops::concat(in, 0); },
                                     {a, e}, 0.f, 0.f));
  Var f(test::random_tensor({4, 33, 3}, 18), true);
  EXPECT_TRUE(test::cuda_matches_cpu([](const std::vector<Var>& in) { return ops::concat(in, 2); },
                                     {a, f}, 0.f, 0.f));
  Var big(test::random_tensor({3, 70000}, 19), true);  // several blocks per launch
  EXPECT_TRUE(test::cuda_matches_cpu(
      [](const std::vector<Var>& in) { return ops::slice(in[0], -1, 12345, 50000); }, {big}, 0.f,
      0.f));
  for (int axis : {0, 1, 2}) {
    SCOPED_TRACE("slice axis " + std::to_string(axis));
    EXPECT_TRUE(test::cuda_matches_cpu(
        [axis](const std::vector<Var>& in) {
          return ops::add(ops::slice(in[0], axis, 1, 2), ops::slice(in[0], axis, 0, 2));
        },
        {a}, 0.f, 0.f));
  }
}

}  // namespace
}  // namespace mgr
