// The CPU convolution's Winograd F(2x2, 3x3) and F(2x2, 5x5) paths (conv2d_winograd.cpp) against
// direct sums in double: the forward pass, the input gradient (overwritten and accumulated), the
// weight and bias gradients, over odd and even output sizes, paddings 0-2, rectangular padding,
// the smallest output (2 x 3), and an image wide enough to be cut into several bands of tiles.
#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/cpu/conv2d.h"
#include "kernels/cpu/conv2d_winograd.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using kernels::cpu::Conv2dGeometry;

struct Case {
  int n, c, h, w, k, ph, pw;
  int r = 3;  // kernel size
};

std::string describe(const Case& p) {
  std::ostringstream os;
  os << p.r << "x" << p.r << " n" << p.n << " c" << p.c << " " << p.h << "x" << p.w << " k" << p.k
     << " pad " << p.ph << "x" << p.pw;
  return os.str();
}

// max |a - ref| <= tol * max |ref| (the rounding of the transforms scales with the largest
// values, not with each element).
::testing::AssertionResult close(const std::vector<float>& a, const std::vector<double>& ref,
                                 double tol) {
  if (a.size() != ref.size()) return ::testing::AssertionFailure() << "size mismatch";
  double scale = 0, worst = 0;
  size_t at = 0;
  for (double r : ref) scale = std::max(scale, std::abs(r));
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::abs(double(a[i]) - ref[i]);
    if (!(d <= worst)) worst = d, at = i;  // NaN counts as worst
  }
  if (worst <= tol * scale) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max diff " << worst << " at " << at << " (got " << a[at]
                                       << ", want " << ref[at] << ", scale " << scale << ")";
}

void expect_matches_direct_sums();

TEST(Conv2dWinograd, MatchesDirectSumsForwardAndBackward) { expect_matches_direct_sums(); }

TEST(Conv2dWinograd, BaselineCopyMatchesDirectSums) {
  const bool previous = kernels::cpu::winograd_allow_avx2(false);
  expect_matches_direct_sums();
  kernels::cpu::winograd_allow_avx2(previous);
}

void expect_matches_direct_sums() {
  const std::vector<Case> cases = {
      {2, 16, 7, 9, 17, 1, 1},     // odd output height and width: clipped last tiles
      {3, 16, 8, 6, 16, 0, 0},     // no padding
      {1, 18, 5, 5, 16, 2, 2},     // padding 2
      {2, 16, 4, 11, 20, 1, 0},    // rectangular padding
      {1, 16, 2, 3, 16, 1, 1},     // 2 x 3 output... with padding 1: 2 x 3
      {1, 64, 6, 1000, 64, 1, 1},  // wide: several bands of tile rows
      // 5x5: F(2x2, 5x5), its rounding error about ten times a direct sum's.
      {2, 16, 9, 11, 17, 2, 2, 5},   // "same", odd output sizes
      {2, 32, 8, 10, 16, 0, 0, 5},   // no padding: 4 x 6
      {1, 16, 6, 5, 20, 2, 1, 5},    // rectangular padding: 6 x 3
      {1, 16, 4, 6, 16, 1, 3, 5},    // 2 x 8, wider padding than the kernel's half
      {1, 32, 8, 700, 64, 2, 2, 5},  // several bands
  };
  for (const Case& p : cases) {
    const Conv2dGeometry g{p.n, p.c, p.h, p.w, p.k, p.r, p.r, 1, 1, p.ph, p.pw};
    const double tol = p.r == 3 ? 2e-6 : 2e-5;
    const int r = p.r;
    ASSERT_TRUE(kernels::cpu::winograd_eligible(g)) << describe(p);
    const int oh = g.out_h(), ow = g.out_w();
    const std::vector<float> x = test::random_tensor({p.n, p.c, p.h, p.w}, 1).to_vector();
    const std::vector<float> w = test::random_tensor({p.k, p.c, r, r}, 2, -0.2f, 0.2f).to_vector();
    const std::vector<float> b = test::random_tensor({p.k}, 3).to_vector();
    const std::vector<float> dy = test::random_tensor({p.n, p.k, oh, ow}, 4).to_vector();
    auto X = [&](int n, int c, int iy, int ix) {
      return iy < 0 || iy >= p.h || ix < 0 || ix >= p.w
                 ? 0.0
                 : double(x[((size_t(n) * p.c + c) * p.h + iy) * p.w + ix]);
    };
    std::vector<double> y_ref(size_t(p.n) * p.k * oh * ow), dx_ref(x.size(), 0.0),
        dw_ref(w.size(), 0.0), db_ref(size_t(p.k), 0.0);
    for (int n = 0; n < p.n; ++n)
      for (int k = 0; k < p.k; ++k)
        for (int oy = 0; oy < oh; ++oy)
          for (int ox = 0; ox < ow; ++ox) {
            const size_t yi = ((size_t(n) * p.k + k) * oh + oy) * ow + ox;
            double s = b[size_t(k)];
            const double gy = dy[yi];
            db_ref[size_t(k)] += gy;
            for (int c = 0; c < p.c; ++c)
              for (int i = 0; i < r; ++i)
                for (int j = 0; j < r; ++j) {
                  const size_t wi = ((size_t(k) * p.c + c) * r + i) * r + j;
                  const int iy = oy - p.ph + i, ix = ox - p.pw + j;
                  const double xv = X(n, c, iy, ix);
                  s += w[wi] * xv;
                  dw_ref[wi] += gy * xv;
                  if (iy >= 0 && iy < p.h && ix >= 0 && ix < p.w)
                    dx_ref[((size_t(n) * p.c + c) * p.h + iy) * p.w + ix] += w[wi] * gy;
                }
            y_ref[yi] = s;
          }
    std::vector<float> y(y_ref.size(), std::numeric_limits<float>::quiet_NaN());
    kernels::cpu::winograd_forward(x.data(), w.data(), b.data(), y.data(), g);
    EXPECT_TRUE(close(y, y_ref, tol)) << "forward, " << describe(p);

    // Overwrite into NaN, gradients of w and b accumulated onto 1.
    std::vector<float> dx(x.size(), std::numeric_limits<float>::quiet_NaN());
    std::vector<float> dw(w.size(), 1.f), db(b.size(), 1.f);
    kernels::cpu::winograd_backward(x.data(), w.data(), dy.data(), dx.data(), dw.data(), db.data(),
                                    g, /*dx_accumulate=*/false);
    EXPECT_TRUE(close(dx, dx_ref, tol)) << "dx, " << describe(p);
    std::vector<double> dw1(dw_ref), db1(db_ref);
    for (double& v : dw1) v += 1;
    for (double& v : db1) v += 1;
    EXPECT_TRUE(close(dw, dw1, tol)) << "dw, " << describe(p);
    // db is one float sum over n * oh * ow values per channel: its rounding grows like the square
    // root of the count and depends on whether the compiler vectorised the sum (the -O1
    // sanitizer build does not), not on the transforms.
    const double db_tol = std::max(tol, 2e-7 * std::sqrt(double(p.n) * oh * ow));
    EXPECT_TRUE(close(db, db1, db_tol)) << "db, " << describe(p);
    // Accumulating dx: a second pass doubles it; only dx requested.
    kernels::cpu::winograd_backward(x.data(), w.data(), dy.data(), dx.data(), nullptr, nullptr, g,
                                    /*dx_accumulate=*/true);
    for (double& v : dx_ref) v *= 2;
    EXPECT_TRUE(close(dx, dx_ref, tol)) << "dx accumulated, " << describe(p);
  }
}

TEST(Conv2dWinograd, BaselineAndAvx2CopiesAgreeBitForBit) {
  // The AVX2 copy (used where the CPU has it) and the baseline one: the same operations per
  // element, so the same bits, forward and backward.
  for (int r : {3, 5}) {
    const Conv2dGeometry g{2, 16, 9, 13, 24, r, r, 1, 1, r / 2, r / 2};
    const int oh = g.out_h(), ow = g.out_w();
    const std::vector<float> x = test::random_tensor({g.n, g.c, g.h, g.w}, 5).to_vector();
    const std::vector<float> w = test::random_tensor({g.k, g.c, r, r}, 6).to_vector();
    const std::vector<float> b = test::random_tensor({g.k}, 7).to_vector();
    const std::vector<float> dy = test::random_tensor({g.n, g.k, oh, ow}, 8).to_vector();
    std::vector<float> out[2];
    for (int isa = 0; isa < 2; ++isa) {
      const bool previous = kernels::cpu::winograd_allow_avx2(isa == 1);
      std::vector<float> y(size_t(g.n) * g.k * oh * ow), dx(x.size()), dw(w.size(), 0.f),
          db(b.size(), 0.f);
      kernels::cpu::winograd_forward(x.data(), w.data(), b.data(), y.data(), g);
      kernels::cpu::winograd_backward(x.data(), w.data(), dy.data(), dx.data(), dw.data(),
                                      db.data(), g, false);
      kernels::cpu::winograd_allow_avx2(previous);
      for (const auto* v : {&y, &dx, &dw, &db})
        out[isa].insert(out[isa].end(), v->begin(), v->end());
    }
    ASSERT_EQ(out[0].size(), out[1].size());
    for (size_t i = 0; i < out[0].size(); ++i)
      ASSERT_EQ(out[0][i], out[1][i]) << r << "x" << r << " value " << i;
  }
}

TEST(Conv2dWinograd, OnlySquareThreeOrFiveUnitStrideWithEnoughChannels) {
  using kernels::cpu::winograd_eligible;
  EXPECT_TRUE(winograd_eligible(Conv2dGeometry{1, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1}));
  EXPECT_FALSE(winograd_eligible(Conv2dGeometry{1, 1, 8, 8, 16, 3, 3, 1, 1, 1, 1}));  // C = 1
  EXPECT_TRUE(winograd_eligible(Conv2dGeometry{1, 16, 8, 8, 16, 5, 5, 1, 1, 2, 2}));
  EXPECT_FALSE(winograd_eligible(Conv2dGeometry{1, 16, 8, 8, 16, 7, 7, 1, 1, 3, 3}));  // 7x7
  EXPECT_FALSE(winograd_eligible(Conv2dGeometry{1, 16, 8, 8, 16, 3, 5, 1, 1, 1, 2}));  // 3x5
  EXPECT_FALSE(winograd_eligible(Conv2dGeometry{1, 16, 8, 8, 16, 3, 3, 2, 2, 1, 1}));  // stride
  Conv2dGeometry dilated{1, 16, 8, 8, 16, 3, 3, 1, 1, 2, 2};
  dilated.dh = dilated.dw = 2;
  EXPECT_FALSE(winograd_eligible(dilated));
}

}  // namespace
}  // namespace mgr
