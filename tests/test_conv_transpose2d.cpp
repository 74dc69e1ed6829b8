// conv_transpose2d: forward against a naive scatter loop straight from the definition, the
// adjoint identity <conv(a), b> = <a, conv_transpose(b)>, gradients by central differences, and
// CUDA against the CPU.
#include <cmath>
#include <string>
#include <vector>

#include "framework/ops/conv2d.h"
#include "framework/ops/conv_transpose2d.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

struct TCase {
  int n, ci, h, w, co, kh, kw, sh, sw, ph, pw;
  bool bias;
  int oph = 0, opw = 0, dh = 1, dw = 1;
};

int out_size(int in, int k, int s, int p, int op, int d) {
  return (in - 1) * s - 2 * p + d * (k - 1) + op + 1;
}

// y[n, co, iy*sh - ph + i*dh, ix*sw - pw + j*dw] += w[ci, co, i, j] * x[n, ci, iy, ix], in double.
Tensor naive_transpose(const Tensor& x, const Tensor& w, const Tensor* b, const TCase& p) {
  const int oh = out_size(p.h, p.kh, p.sh, p.ph, p.oph, p.dh);
  const int ow = out_size(p.w, p.kw, p.sw, p.pw, p.opw, p.dw);
  const std::vector<float> xv = x.to_vector(), wv = w.to_vector();
  std::vector<double> y(size_t(p.n) * p.co * oh * ow, 0.0);
  for (int n = 0; n < p.n; ++n)
    for (int ci = 0; ci < p.ci; ++ci)
      for (int iy = 0; iy < p.h; ++iy)
        for (int ix = 0; ix < p.w; ++ix)
          for (int co = 0; co < p.co; ++co)
            for (int i = 0; i < p.kh; ++i)
              for (int j = 0; j < p.kw; ++j) {
                const int oy = iy * p.sh - p.ph + i * p.dh, ox = ix * p.sw - p.pw + j * p.dw;
                if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                y[((size_t(n) * p.co + co) * oh + oy) * ow + ox] +=
                    double(wv[((size_t(ci) * p.co + co) * p.kh + i) * p.kw + j]) *
                    xv[((size_t(n) * p.ci + ci) * p.h + iy) * p.w + ix];
              }
  if (b) {
    const std::vector<float> bv = b->to_vector();
    for (size_t k = 0; k < y.size(); ++k) y[k] += bv[(k / (size_t(oh) * ow)) % size_t(p.co)];
  }
  return Tensor::from_vector(std::vector<float>(y.begin(), y.end()), {p.n, p.co, oh, ow});
}

const std::vector<TCase> kCases = {
    {3, 5, 1, 1, 4, 4, 4, 1, 1, 0, 0, false},              // DCGAN's first layer: z 1x1 -> 4x4
    {2, 4, 4, 4, 3, 4, 4, 2, 2, 1, 1, true},               // DCGAN's upsampling block: 4 -> 8
    {2, 3, 3, 5, 2, 3, 2, 2, 1, 1, 0, true, 1, 0},         // output padding, rectangular
    {1, 2, 4, 3, 3, 3, 3, 3, 2, 2, 1, false, 2, 1, 2, 1},  // dilation, stride 3, output padding
    {2, 3, 5, 4, 2, 1, 1, 1, 1, 0, 0, true},               // pointwise
    {2, 16, 5, 6, 16, 3, 3, 1, 1, 1, 1, true},  // 3x3 unit stride, 16 channels (Winograd)
};

std::string describe(const TCase& p) {
  return "case " + std::to_string(p.ci) + "->" + std::to_string(p.co) + " k" +
         std::to_string(p.kh) + "x" + std::to_string(p.kw) + " s" + std::to_string(p.sh) + "x" +
         std::to_string(p.sw) + " p" + std::to_string(p.ph) + "x" + std::to_string(p.pw) + " op" +
         std::to_string(p.oph) + "x" + std::to_string(p.opw) + " d" + std::to_string(p.dh) + "x" +
         std::to_string(p.dw);
}

Var run_case(const std::vector<Var>& v, const TCase& p) {
  return ops::conv_transpose2d(v[0], v[1], v.size() > 2 ? v[2] : Var(), p.sh, p.sw, p.ph, p.pw,
                               p.oph, p.opw, p.dh, p.dw);
}

std::vector<Var> inputs(const TCase& p, uint32_t seed, bool grads) {
  std::vector<Var> in{Var(test::random_tensor({p.n, p.ci, p.h, p.w}, seed), grads),
                      Var(test::random_tensor({p.ci, p.co, p.kh, p.kw}, seed + 1), grads)};
  if (p.bias) in.push_back(Var(test::random_tensor({p.co}, seed + 2), grads));
  return in;
}

TEST(ConvTranspose2dOp, ForwardMatchesNaiveLoop) {
  for (const TCase& p : kCases) {
    const std::vector<Var> in = inputs(p, 1, false);
    const Var y = run_case(in, p);
    const Tensor ref =
        naive_transpose(in[0].value(), in[1].value(), p.bias ? &in[2].value() : nullptr, p);
    ASSERT_EQ(y.shape(), ref.shape()) << describe(p);
    EXPECT_TRUE(test::all_close(y.value(), ref, 1e-5f, 1e-5f)) << describe(p);
  }
}

TEST(ConvTranspose2dOp, OutputSizeFormula) {
  EXPECT_EQ(ops::conv_transpose_out(1, 4, 1, 0, 0, 1), 4);
  EXPECT_EQ(ops::conv_transpose_out(4, 4, 2, 1, 0, 1), 8);
  EXPECT_EQ(ops::conv_transpose_out(32, 4, 2, 1, 0, 1), 64);
  EXPECT_EQ(ops::conv_transpose_out(3, 3, 2, 1, 1, 1), 6);
  EXPECT_EQ(ops::conv_transpose_out(4, 3, 3, 2, 2, 2), 12);
}

TEST(ConvTranspose2dOp, IsTheAdjointOfConv2d) {
  // <conv2d(a, w), b> == <a, conv_transpose2d(b, w)> for the same geometry and weight.
  const int n = 2, c = 3, k = 4;
  Var a(test::random_tensor({n, c, 9, 8}, 3));
  Var w(test::random_tensor({k, c, 4, 3}, 4));
  const Var ca = ops::conv2d(a, w, Var(), 2, 2, 1, 1);
  Var b(test::random_tensor(ca.shape(), 5));
  // Output padding restores the rows/columns the forward stride dropped.
  const int oph = int(9 - ops::conv_transpose_out(ca.shape()[2], 4, 2, 1, 0, 1));
  const int opw = int(8 - ops::conv_transpose_out(ca.shape()[3], 3, 2, 1, 0, 1));
  const Var tb = ops::conv_transpose2d(b, w, Var(), 2, 2, 1, 1, oph, opw);
  ASSERT_EQ(tb.shape(), a.shape());
  double lhs = 0, rhs = 0;
  const auto cav = ca.value().to_vector(), bv = b.value().to_vector();
  const auto av = a.value().to_vector(), tbv = tb.value().to_vector();
  for (size_t i = 0; i < cav.size(); ++i) lhs += double(cav[i]) * bv[i];
  for (size_t i = 0; i < av.size(); ++i) rhs += double(av[i]) * tbv[i];
  EXPECT_NEAR(lhs, rhs, 1e-4 * (1 + std::abs(lhs)));
}

TEST(ConvTranspose2dOp, GradCheck) {
  for (const TCase& p : kCases) {
    auto f = [&p](const std::vector<Var>& v) { return run_case(v, p); };
    EXPECT_TRUE(test::grad_check(f, inputs(p, 7, true))) << describe(p);
  }
}

TEST(ConvTranspose2dOp, GradientsAccumulate) {
  const TCase& p = kCases[1];
  std::vector<Var> in = inputs(p, 11, true);
  Var y = run_case(in, p);
  const Tensor seed = test::random_tensor(y.shape(), 12);
  y.backward(seed);
  std::vector<std::vector<float>> first;
  for (const Var& v : in) first.push_back(v.grad().to_vector());
  Var y2 = run_case(in, p);
  y2.backward(seed);
  for (size_t k = 0; k < in.size(); ++k) {
    const std::vector<float> g2 = in[k].grad().to_vector();
    for (size_t i = 0; i < g2.size(); ++i)
      EXPECT_NEAR(g2[i], 2 * first[k][i], 1e-4 * (1 + std::abs(first[k][i]))) << "input " << k;
  }
}

TEST(ConvTranspose2dOp, RejectsBadShapes) {
  Var x(test::random_tensor({1, 3, 4, 4}, 1));
  EXPECT_THROW(ops::conv_transpose2d(x, Var(test::random_tensor({2, 4, 3, 3}, 2)), Var()), Error);
  EXPECT_THROW(ops::conv_transpose2d(x, Var(test::random_tensor({3, 2, 3, 3}, 2)),
                                     Var(test::random_tensor({3}, 3))),
               Error);
  // Output padding must be smaller than the stride.
  EXPECT_THROW(
      ops::conv_transpose2d(x, Var(test::random_tensor({3, 2, 3, 3}, 2)), Var(), 2, 2, 1, 1, 2, 0),
      Error);
  // Padding that leaves nothing: (1 - 1) * 1 - 2 * 2 + 2 + 1 < 1.
  Var x1(test::random_tensor({1, 3, 1, 1}, 1));
  EXPECT_THROW(
      ops::conv_transpose2d(x1, Var(test::random_tensor({3, 2, 3, 3}, 2)), Var(), 1, 1, 2, 2),
      Error);
}

TEST(ConvTranspose2dOp, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  for (const TCase& p : kCases) {
    auto f = [&p](const std::vector<Var>& v) { return run_case(v, p); };
    EXPECT_TRUE(test::cuda_matches_cpu(f, inputs(p, 13, true), 1e-4f, 1e-4f)) << describe(p);
  }
}

TEST(ConvTranspose2dOp, CudaMatchesCpuAtDcganSize) {
  MGR_REQUIRE_CUDA();
  // The generator's 256 -> 128 block (16x16 -> 32x32), a reduced batch.
  std::vector<Var> in{Var(test::random_tensor({4, 256, 16, 16}, 14), true),
                      Var(test::random_tensor({256, 128, 4, 4}, 15, -0.05f, 0.05f), true)};
  auto f = [](const std::vector<Var>& v) {
    return ops::conv_transpose2d(v[0], v[1], Var(), 2, 2, 1, 1);
  };
  EXPECT_TRUE(test::cuda_matches_cpu(f, in, 1e-4f, 1e-3f));
}

}  // namespace
}  // namespace mgr
