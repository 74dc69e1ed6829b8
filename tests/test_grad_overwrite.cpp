// Gradient buffers a CPU kernel overwrites on first use (grad_buffer(v, &fresh)): the result
// must equal accumulating into a zero-filled buffer, and every element must be written,
// including those no pooling window covers. The size-class cache hands out recently freed
// blocks first, so NaN-filled blocks freed just before the backward pass become the fresh
// buffers: an element a kernel forgets to write stays NaN.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "framework/ops/activation.h"
#include "framework/ops/conv2d.h"
#include "framework/ops/lrn.h"
#include "framework/ops/pool2d.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using UnaryOp = std::function<Var(const Var&)>;

void poison_cache(const Shape& s) {
  std::vector<Tensor> blocks;
  for (int i = 0; i < 4; ++i) blocks.push_back(Tensor::full(s, std::nanf(""), Device::cpu()));
}

void expect_overwrite_matches_accumulate(const UnaryOp& f, const Shape& shape,
                                         const std::string& what) {
  const Tensor xv = test::random_tensor(shape, 11);
  // Accumulating: a zero-filled buffer exists before the backward pass.
  Var xa(xv.clone(), true);
  grad_buffer(xa);
  Var ya = f(xa);
  const Tensor seed = test::random_tensor(ya.shape(), 12);
  ya.backward(seed);
  // Overwriting: no buffer yet, and the cache full of NaN blocks of x's size.
  Var xf(xv.clone(), true);
  Var yf = f(xf);
  poison_cache(shape);
  yf.backward(seed);
  const std::vector<float> ga = xa.grad().to_vector(), gf = xf.grad().to_vector();
  ASSERT_EQ(ga.size(), gf.size()) << what;
  for (size_t i = 0; i < ga.size(); ++i) ASSERT_EQ(gf[i], ga[i]) << what << " element " << i;
  // A second pass accumulates into the buffer the first one wrote.
  f(xf).backward(seed);
  const std::vector<float> g2 = xf.grad().to_vector();
  for (size_t i = 0; i < ga.size(); ++i)
    ASSERT_NEAR(g2[i], 2 * ga[i], 1e-5f * (1 + std::abs(ga[i]))) << what << " element " << i;
}

TEST(GradOverwrite, ActivationsPoolingConvAndLrn) {
  const Shape odd{2, 3, 5, 7};  // odd height and width: 2x2 pooling leaves a row and a column
  expect_overwrite_matches_accumulate([](const Var& x) { return ops::relu(x); }, odd, "relu");
  expect_overwrite_matches_accumulate([](const Var& x) { return ops::leaky_relu(x, 0.1f); }, odd,
                                      "leaky_relu");
  expect_overwrite_matches_accumulate([](const Var& x) { return ops::max_pool2d(x, 2, 2, 2, 2); },
                                      odd, "max_pool 2x2");
  expect_overwrite_matches_accumulate([](const Var& x) { return ops::max_pool2d(x, 3, 3, 2, 2); },
                                      odd, "max_pool 3x3 stride 2");
  expect_overwrite_matches_accumulate([](const Var& x) { return ops::max_pool2d(x, 4, 1, 4, 1); },
                                      odd, "max_pool 4x1");
  expect_overwrite_matches_accumulate([](const Var& x) { return ops::avg_pool2d(x, 2, 2, 2, 2); },
                                      odd, "avg_pool 2x2");
  const Var w3(test::random_tensor({4, 3, 3, 3}, 13)), w1(test::random_tensor({4, 3, 1, 1}, 14));
  expect_overwrite_matches_accumulate(
      [&](const Var& x) { return ops::conv2d(x, w3, Var(), 1, 1, 1, 1); }, odd, "conv 3x3");
  expect_overwrite_matches_accumulate(
      [&](const Var& x) { return ops::conv2d(x, w3, Var(), 2, 2, 0, 0); }, odd,
      "conv 3x3 stride 2");
  expect_overwrite_matches_accumulate([&](const Var& x) { return ops::conv2d(x, w1, Var()); }, odd,
                                      "conv 1x1");
  const Shape lrn_shape{2, 7, 3, 5};
  expect_overwrite_matches_accumulate(
      [](const Var& x) { return ops::lrn(x, 5, 1e-3f, 0.75f, 1.f); }, lrn_shape, "lrn beta 0.75");
  expect_overwrite_matches_accumulate([](const Var& x) { return ops::lrn(x, 3, 0.5f, 0.6f, 2.f); },
                                      lrn_shape, "lrn beta 0.6");
}

}  // namespace
}  // namespace mgr
