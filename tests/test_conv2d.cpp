// conv2d op and Conv2d module: forward against a naive direct convolution, gradients by
// central differences, CUDA against the CPU, and the module's parameters and initialisation.
#include <cmath>
#include <string>
#include <vector>

#include "framework/nn/conv2d.h"
#include "framework/nn/init.h"
#include "framework/ops/conv2d.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

struct ConvCase {
  int n, c, h, w, k, kh, kw, sh, sw, ph, pw;
  bool bias;
  int dh = 1, dw = 1;  // dilation
};

// Six nested loops straight from the definition y[n,k,oy,ox] = b[k] +
// sum_{c,i,j} w[k,c,i,j] * x[n,c,oy*sh-ph+i*dh, ox*sw-pw+j*dw], in double.
Tensor naive_conv(const Tensor& x, const Tensor& w, const Tensor* b, const ConvCase& p) {
  const int oh = (p.h + 2 * p.ph - p.dh * (p.kh - 1) - 1) / p.sh + 1;
  const int ow = (p.w + 2 * p.pw - p.dw * (p.kw - 1) - 1) / p.sw + 1;
  std::vector<float> xv = x.to_vector(), wv = w.to_vector(), bv;
  if (b) bv = b->to_vector();
  std::vector<float> y(size_t(p.n) * p.k * oh * ow);
  for (int n = 0; n < p.n; ++n)
    for (int k = 0; k < p.k; ++k)
      for (int oy = 0; oy < oh; ++oy)
        for (int ox = 0; ox < ow; ++ox) {
          double s = b ? bv[k] : 0.0;
          for (int c = 0; c < p.c; ++c)
            for (int i = 0; i < p.kh; ++i)
              for (int j = 0; j < p.kw; ++j) {
                const int iy = oy * p.sh - p.ph + i * p.dh, ix = ox * p.sw - p.pw + j * p.dw;
                if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
                s += double(wv[((size_t(k) * p.c + c) * p.kh + i) * p.kw + j]) *
                     xv[((size_t(n) * p.c + c) * p.h + iy) * p.w + ix];
              }
          y[((size_t(n) * p.k + k) * oh + oy) * ow + ox] = float(s);
        }
  return Tensor::from_vector(y, {p.n, p.k, oh, ow});
}

const std::vector<ConvCase> kCases = {
    {2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, true},   // "same" 3x3
    {3, 2, 9, 8, 5, 3, 2, 2, 1, 1, 2, true},   // non-square kernel, stride 2 on H, uneven pad
    {5, 4, 6, 7, 3, 2, 3, 2, 3, 0, 1, false},  // strides on both axes, no bias, 5 images
    {2, 6, 5, 4, 3, 1, 1, 1, 1, 0, 0, true},   // pointwise (no im2col)
    {1, 1, 4, 4, 2, 4, 4, 1, 1, 0, 0, false},  // kernel covers the whole image
    // Dilation, with rectangular stride and padding:
    {2, 3, 9, 10, 4, 3, 3, 1, 1, 2, 2, true, 2, 2},   // "same" 3x3 at dilation 2
    {2, 2, 11, 9, 3, 3, 2, 2, 1, 1, 3, true, 2, 3},   // rectangular everything
    {3, 2, 8, 13, 2, 2, 3, 1, 2, 0, 1, false, 3, 4},  // dilation only along W is larger
    {1, 3, 7, 7, 2, 3, 3, 1, 1, 0, 0, true, 3, 3},    // dilated kernel spans the whole image
    {2, 2, 10, 6, 3, 2, 2, 3, 2, 1, 0, false, 4, 1},  // stride 3 with dilation 4 (taps skip rows)
};

// The case's geometry in error messages.
std::string describe(const ConvCase& p) {
  return "case k" + std::to_string(p.kh) + "x" + std::to_string(p.kw) + " s" +
         std::to_string(p.sh) + "x" + std::to_string(p.sw) + " p" + std::to_string(p.ph) + "x" +
         std::to_string(p.pw) + " d" + std::to_string(p.dh) + "x" + std::to_string(p.dw);
}

Var conv_case(const std::vector<Var>& v, const ConvCase& p) {
  return ops::conv2d(v[0], v[1], v.size() > 2 ? v[2] : Var(), p.sh, p.sw, p.ph, p.pw, p.dh, p.dw);
}

Var bias_var(const ConvCase& p, uint32_t seed, bool requires_grad = true) {
  return p.bias ? Var(test::random_tensor({p.k}, seed), requires_grad) : Var();
}

TEST(Conv2dOp, ForwardMatchesNaiveLoop) {
  for (const ConvCase& p : kCases) {
    Var x(test::random_tensor({p.n, p.c, p.h, p.w}, 1));
    Var w(test::random_tensor({p.k, p.c, p.kh, p.kw}, 2));
    Var b = bias_var(p, 3, false);
    Var y = ops::conv2d(x, w, b, p.sh, p.sw, p.ph, p.pw, p.dh, p.dw);
    Tensor ref = naive_conv(x.value(), w.value(), p.bias ? &b.value() : nullptr, p);
    EXPECT_TRUE(test::all_close(y.value(), ref, 1e-5f, 1e-5f)) << describe(p);
  }
}

TEST(Conv2dOp, ForwardMatchesNaiveLoopAtCrnnSize) {
  // Large enough for the per-image GEMMs to run concurrently on every OpenMP thread.
  const ConvCase p{2, 32, 64, 65, 16, 3, 3, 1, 1, 1, 1, true};
  Var x(test::random_tensor({p.n, p.c, p.h, p.w}, 1));
  Var w(test::random_tensor({p.k, p.c, p.kh, p.kw}, 2, -0.1f, 0.1f));
  Var b = bias_var(p, 3, false);
  Var y = ops::conv2d(x, w, b, 1, 1, 1, 1);
  EXPECT_TRUE(
      test::all_close(y.value(), naive_conv(x.value(), w.value(), &b.value(), p), 1e-4f, 1e-5f));
}

TEST(Conv2dOp, GradCheck) {
  for (const ConvCase& p : kCases) {
    std::vector<Var> in{Var(test::random_tensor({p.n, p.c, p.h, p.w}, 4), true),
                        Var(test::random_tensor({p.k, p.c, p.kh, p.kw}, 5), true)};
    if (p.bias) in.push_back(bias_var(p, 6));
    auto f = [&p](const std::vector<Var>& v) { return conv_case(v, p); };
    EXPECT_TRUE(test::grad_check(f, in)) << describe(p);
  }
}

TEST(Conv2dOp, GradientsOnlyWhereRequiredAndAccumulate) {
  const ConvCase& p = kCases[1];
  Var x(test::random_tensor({p.n, p.c, p.h, p.w}, 7));  // an input image: no gradient
  Var w(test::random_tensor({p.k, p.c, p.kh, p.kw}, 8), true);
  Var b = bias_var(p, 9);
  Var y = ops::conv2d(x, w, b, p.sh, p.sw, p.ph, p.pw);
  Tensor seed = test::random_tensor(y.shape(), 10);
  y.backward(seed);
  EXPECT_FALSE(x.grad().defined());
  Tensor gw = w.grad().clone(), gb = b.grad().clone();
  // db is the sum of dy over batch and space.
  std::vector<float> sv = seed.to_vector(), gbv = gb.to_vector();
  const int64_t per = y.value().numel() / (p.n * p.k);
  for (int k = 0; k < p.k; ++k) {
    double s = 0;
    for (int n = 0; n < p.n; ++n)
      for (int64_t i = 0; i < per; ++i) s += sv[(size_t(n) * p.k + k) * per + i];
    EXPECT_NEAR(gbv[k], s, 1e-4);
  }
  // A second backward adds the same gradient again.
  Var y2 = ops::conv2d(x, w, b, p.sh, p.sw, p.ph, p.pw);
  y2.backward(seed);
  std::vector<float> g1 = gw.to_vector(), g2 = w.grad().to_vector();
  for (size_t i = 0; i < g1.size(); ++i)
    EXPECT_NEAR(g2[i], 2 * g1[i], 1e-4 * (1 + std::abs(g1[i])));
}

TEST(Conv2dOp, RejectsBadShapes) {
  Var x(test::random_tensor({1, 3, 5, 5}, 1));
  EXPECT_THROW(ops::conv2d(x, Var(test::random_tensor({2, 4, 3, 3}, 2)), Var()), Error);
  EXPECT_THROW(ops::conv2d(x, Var(test::random_tensor({2, 3, 7, 3}, 2)), Var()), Error);
  EXPECT_THROW(
      ops::conv2d(x, Var(test::random_tensor({2, 3, 3, 3}, 2)), Var(test::random_tensor({3}, 3))),
      Error);
  EXPECT_THROW(ops::conv2d(x, Var(test::random_tensor({2, 3, 3, 3}, 2)), Var(), 0, 1), Error);
  // Dilation 0, and a dilated kernel (extent 2*(3-1)+1 = 5 rows, 7 columns at dilation 3)
  // wider than the padded input.
  Var w3(test::random_tensor({2, 3, 3, 3}, 2));
  EXPECT_THROW(ops::conv2d(x, w3, Var(), 1, 1, 0, 0, 0, 1), Error);
  EXPECT_THROW(ops::conv2d(x, w3, Var(), 1, 1, 0, 0, 1, 3), Error);
  EXPECT_NO_THROW(ops::conv2d(x, w3, Var(), 1, 1, 0, 1, 2, 3));
  EXPECT_EQ(ops::conv2d(x, w3, Var(), 1, 1, 0, 1, 2, 3).shape(), (Shape{1, 2, 1, 1}));
}

TEST(Conv2dOp, DilatedExampleByHand) {
  // One 2x2 kernel at dilation 2x3 on a 3x5 ramp: tap (i, j) reads x[oy + 2i][ox + 3j], so the
  // single output row is x[0][ox] + 10 x[0][ox+3] + 100 x[2][ox] + 1000 x[2][ox+3].
  std::vector<float> xv(15);
  for (int i = 0; i < 15; ++i) xv[size_t(i)] = float(i);
  Var x(Tensor::from_vector(xv, {1, 1, 3, 5}));
  Var w(Tensor::from_vector(std::vector<float>{1, 10, 100, 1000}, {1, 1, 2, 2}));
  Var y = ops::conv2d(x, w, Var(), 1, 1, 0, 0, 2, 3);
  // ox = 0: 0 + 10*3 + 100*10 + 1000*13; ox = 1: 1 + 10*4 + 100*11 + 1000*14.
  EXPECT_EQ(y.value().to_vector(), (std::vector<float>{14030, 15141}));
}

TEST(Conv2dOp, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  for (const ConvCase& p : kCases) {
    std::vector<Var> in{Var(test::random_tensor({p.n, p.c, p.h, p.w}, 11), true),
                        Var(test::random_tensor({p.k, p.c, p.kh, p.kw}, 12), true)};
    if (p.bias) in.push_back(bias_var(p, 13));
    auto f = [&p](const std::vector<Var>& v) { return conv_case(v, p); };
    EXPECT_TRUE(test::cuda_matches_cpu(f, in, 1e-4f, 1e-4f)) << describe(p);
  }
}

TEST(Conv2dOp, CudaMatchesCpuAtCrnnSize) {
  MGR_REQUIRE_CUDA();
  // The second conv of the CRNN (32 -> 64, 3x3 "same"), at a reduced batch; x needs no
  // gradient in the first layer, which exercises the dx-free path.
  std::vector<Var> in{Var(test::random_tensor({4, 32, 64, 65}, 14), true),
                      Var(test::random_tensor({64, 32, 3, 3}, 15, -0.1f, 0.1f), true),
                      Var(test::random_tensor({64}, 16), true)};
  auto f = [](const std::vector<Var>& v) { return ops::conv2d(v[0], v[1], v[2], 1, 1, 1, 1); };
  EXPECT_TRUE(test::cuda_matches_cpu(f, in, 1e-4f, 1e-3f));
  std::vector<Var> in2{Var(test::random_tensor({4, 1, 128, 130}, 17)),
                       Var(test::random_tensor({32, 1, 3, 3}, 18), true)};
  auto f2 = [](const std::vector<Var>& v) { return ops::conv2d(v[0], v[1], Var(), 1, 1, 1, 1); };
  EXPECT_TRUE(test::cuda_matches_cpu(f2, in2, 1e-4f, 1e-3f));
}

TEST(NnInit, SplitMix64ReferenceValues) {
  // Reference outputs of splitmix64 seeded with 0 (Vigna's splitmix64.c).
  nn::SplitMix64 r(0);
  EXPECT_EQ(r.next(), 0xE220A8397B1DCDAFULL);
  EXPECT_EQ(r.next(), 0x6E789E6AA1B965F4ULL);
  EXPECT_EQ(r.next(), 0x06C45D188009454FULL);
}

TEST(NnInit, GlorotUniformBoundsAndDeterminism) {
  Tensor a = Tensor::empty({64, 32, 3, 3}), b = Tensor::empty({64, 32, 3, 3});
  nn::glorot_uniform_(a, 32 * 9, 64 * 9, 7);
  nn::glorot_uniform_(b, 32 * 9, 64 * 9, 7);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  const float bound = std::sqrt(6.f / (32 * 9 + 64 * 9));
  std::vector<float> v = a.to_vector();
  double mean = 0, sq = 0;
  float lo = 1e9f, hi = -1e9f;
  for (float x : v) {
    mean += x, sq += double(x) * x;
    lo = std::min(lo, x), hi = std::max(hi, x);
  }
  mean /= v.size();
  EXPECT_GE(lo, -bound);
  EXPECT_LT(hi, bound);
  EXPECT_LT(lo, -0.99f * bound);  // 18k draws reach both ends
  EXPECT_GT(hi, 0.99f * bound);
  EXPECT_NEAR(mean, 0.0, 0.01 * bound);
  EXPECT_NEAR(sq / v.size(), bound * bound / 3.0, 0.02 * bound * bound);  // var of U(-a, a)
  nn::glorot_uniform_(b, 32 * 9, 64 * 9, 8);
  EXPECT_NE(a.to_vector(), b.to_vector());
}

TEST(Conv2dModule, ParametersAndInit) {
  nn::Conv2d conv(3, 8, 3, 5, 1, 1, true, 42);
  auto named = conv.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(named[0].second->shape(), (Shape{8, 3, 3, 5}));
  EXPECT_EQ(named[1].first, "bias");
  EXPECT_EQ(named[1].second->shape(), (Shape{8}));
  EXPECT_EQ(conv.num_parameters(), 8 * 3 * 3 * 5 + 8);
  for (float v : named[1].second->value().to_vector()) EXPECT_EQ(v, 0.f);
  nn::Conv2d same(3, 8, 3, 5, 1, 1, true, 42), other(3, 8, 3, 5, 1, 1, true, 43);
  EXPECT_EQ(conv.weight().value().to_vector(), same.weight().value().to_vector());
  EXPECT_NE(conv.weight().value().to_vector(), other.weight().value().to_vector());
  const float bound = std::sqrt(6.f / (3 * 15 + 8 * 15));
  for (float v : conv.weight().value().to_vector()) EXPECT_LE(std::abs(v), bound);

  nn::Conv2d nobias(2, 4, 3, 3, 2, 0, false);
  ASSERT_EQ(nobias.named_parameters().size(), 1u);
  EXPECT_EQ(nobias.bias(), nullptr);
  Var x(test::random_tensor({2, 2, 9, 8}, 3));
  EXPECT_EQ(nobias.forward(x).shape(), (Shape{2, 4, 4, 3}));
  // "same" padding keeps the size for an odd kernel at stride 1.
  nn::Conv2d samepad(3, 8, 3, 3, 1, 1);
  EXPECT_EQ(samepad.forward(Var(test::random_tensor({2, 3, 9, 8}, 4))).shape(),
            (Shape{2, 8, 9, 8}));
}

TEST(Conv2dModule, RectangularStridePaddingDilation) {
  // Kernel 3x2, stride 2x1, padding 1x3, dilation 2x3: the same numbers as ops::conv2d.
  nn::Conv2d conv(2, 4, 3, 2, 2, 1, 1, 3, 2, 3, true, 7);
  ASSERT_EQ(conv.named_parameters().size(), 2u);
  EXPECT_EQ(conv.weight().shape(), (Shape{4, 2, 3, 2}));
  // Same seed, same initialisation as the square constructor.
  nn::Conv2d square(2, 4, 3, 2, 1, 0, true, 7);
  EXPECT_EQ(conv.weight().value().to_vector(), square.weight().value().to_vector());
  Var x(test::random_tensor({2, 2, 11, 9}, 5));
  Var y = conv.forward(x);
  // H: (11 + 2 - 2*2 - 1)/2 + 1 = 5; W: (9 + 6 - 3*1 - 1)/1 + 1 = 12.
  EXPECT_EQ(y.shape(), (Shape{2, 4, 5, 12}));
  const ConvCase p{2, 2, 11, 9, 4, 3, 2, 2, 1, 1, 3, true, 2, 3};
  EXPECT_TRUE(test::all_close(
      y.value(), naive_conv(x.value(), conv.weight().value(), &conv.bias()->value(), p), 1e-5f,
      1e-5f));
  EXPECT_THROW(nn::Conv2d(2, 4, 3, 3, 1, 1, 0, 0, 0, 1), Error);
  EXPECT_THROW(nn::Conv2d(2, 4, 3, 3, 1, 0, 0, 0, 1, 1), Error);
}

TEST(Conv2dModule, CudaModuleMatchesCpuModule) {
  MGR_REQUIRE_CUDA();
  nn::Conv2d c(3, 8, 3, 3, 1, 1, true, 5), g(3, 8, 3, 3, 1, 1, true, 5);
  g.to(Device::cuda(0));
  EXPECT_EQ(g.weight().value().cpu().to_vector(), c.weight().value().to_vector());
  Tensor x = test::random_tensor({2, 3, 10, 11}, 6);
  EXPECT_TRUE(test::all_close(g.forward(Var(x.to(Device::cuda(0)))).value(),
                              c.forward(Var(x)).value(), 1e-4f, 1e-5f));
}

}  // namespace
}  // namespace mgr
