// lrn op (local response normalisation across channels): PyTorch reference values, a direct
// loop, finite-difference gradients, the argument checks, and CUDA (cuDNN) against the CPU.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/ops/lrn.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

Tensor tensor_from_json(const nlohmann::json& e) {
  Shape shape = e.at("shape").get<Shape>();
  return Tensor::from_vector(e.at("data").get<std::vector<float>>(), shape);
}

struct LrnCase {
  int n, c, h, w, size;
  float alpha, beta, k;
};

const std::vector<LrnCase> kCases = {
    {2, 7, 3, 4, 5, 1e-4f, 0.75f, 2.f},  // AlexNet's constants
    {2, 6, 3, 3, 3, 2.f, 0.75f, 1.f},    // alpha large enough to matter
    {1, 4, 2, 5, 7, 1.5f, 0.5f, 0.5f},   // window wider than C
    {2, 3, 2, 2, 1, 0.9f, 1.25f, 1.f},   // size 1
    {1, 17, 2, 3, 15, 3.f, 0.9f, 1.f},   // cuDNN's largest odd window
    {3, 1, 4, 3, 5, 1.f, 0.6f, 1.f},     // one channel
};

std::string describe(const LrnCase& p) {
  return "case [" + std::to_string(p.n) + "," + std::to_string(p.c) + "," + std::to_string(p.h) +
         "," + std::to_string(p.w) + "] size " + std::to_string(p.size);
}

// The definition, in double: y_c = x_c (k + alpha/size sum_{c'} x_{c'}^2)^(-beta) over
// c' = c - size/2 .. c + (size-1)/2 inside [0, C).
Tensor direct_lrn(const Tensor& x, const LrnCase& p) {
  std::vector<float> xv = x.to_vector(), y(xv.size());
  const size_t hw = size_t(p.h) * p.w;
  for (int n = 0; n < p.n; ++n)
    for (int c = 0; c < p.c; ++c)
      for (size_t i = 0; i < hw; ++i) {
        double s = 0;
        for (int cc = std::max(0, c - p.size / 2); cc <= std::min(p.c - 1, c + (p.size - 1) / 2);
             ++cc) {
          const double v = xv[(size_t(n) * p.c + cc) * hw + i];
          s += v * v;
        }
        const size_t at = (size_t(n) * p.c + c) * hw + i;
        y[at] =
            float(xv[at] * std::pow(double(p.k) + double(p.alpha) / p.size * s, -double(p.beta)));
      }
  return Tensor::from_vector(y, x.shape());
}

TEST(LrnOp, MatchesTorchGolden) {
  // tests/data/torch/make_lrn_golden.py: torch.nn.functional.local_response_norm in float64.
  std::ifstream in(std::string(MGR_SOURCE_DIR) + "/tests/data/torch/lrn_golden.json");
  ASSERT_TRUE(in.good()) << "missing golden file lrn_golden.json";
  const nlohmann::json j = nlohmann::json::parse(in);
  ASSERT_FALSE(j.at("cases").empty());
  for (const nlohmann::json& c : j.at("cases")) {
    const std::string name = c.at("name").get<std::string>();
    Var x(tensor_from_json(c.at("x")), true);
    Var y = ops::lrn(x, c.at("size").get<int>(), c.at("alpha").get<float>(),
                     c.at("beta").get<float>(), c.at("k").get<float>());
    EXPECT_TRUE(test::all_close(y.value(), tensor_from_json(c.at("y")), 2e-6f, 1e-7f)) << name;
    y.backward(tensor_from_json(c.at("R")));
    EXPECT_TRUE(test::all_close(x.grad(), tensor_from_json(c.at("grad_x")), 1e-5f, 1e-6f)) << name;
  }
}

TEST(LrnOp, ForwardMatchesDirectLoop) {
  for (const LrnCase& p : kCases) {
    Var x(test::random_tensor({p.n, p.c, p.h, p.w}, 1, -2.f, 2.f));
    Var y = ops::lrn(x, p.size, p.alpha, p.beta, p.k);
    EXPECT_TRUE(test::all_close(y.value(), direct_lrn(x.value(), p), 2e-6f, 1e-7f)) << describe(p);
  }
  // Large enough for the OpenMP team (2 x 16 channels x 64 x 65, window 5).
  const LrnCase big{2, 16, 64, 65, 5, 1.f, 0.75f, 1.f};
  Var x(test::random_tensor({big.n, big.c, big.h, big.w}, 2, -2.f, 2.f));
  EXPECT_TRUE(test::all_close(ops::lrn(x, big.size, big.alpha, big.beta, big.k).value(),
                              direct_lrn(x.value(), big), 2e-6f, 1e-7f));
}

TEST(LrnOp, GradCheck) {
  for (const LrnCase& p : kCases) {
    std::vector<Var> in{Var(test::random_tensor({p.n, p.c, p.h, p.w}, 3, -2.f, 2.f), true)};
    auto f = [&p](const std::vector<Var>& v) {
      return ops::lrn(v[0], p.size, p.alpha, p.beta, p.k);
    };
    EXPECT_TRUE(test::grad_check(f, in)) << describe(p);
  }
}

TEST(LrnOp, GradientAccumulates) {
  // Two backward passes through two graphs on the same input add up.
  const LrnCase& p = kCases[1];
  Var x(test::random_tensor({p.n, p.c, p.h, p.w}, 4), true);
  Tensor seed = test::random_tensor(x.shape(), 5);
  ops::lrn(x, p.size, p.alpha, p.beta, p.k).backward(seed);
  std::vector<float> g1 = x.grad().to_vector();
  ops::lrn(x, p.size, p.alpha, p.beta, p.k).backward(seed);
  std::vector<float> g2 = x.grad().to_vector();
  for (size_t i = 0; i < g1.size(); ++i)
    EXPECT_NEAR(g2[i], 2 * g1[i], 1e-6 * (1 + std::abs(g1[i])));
}

TEST(LrnOp, RejectsBadArguments) {
  Var x(test::random_tensor({1, 4, 3, 3}, 1));
  auto message = [&x](int size, float alpha, float beta, float k) -> std::string {
    try {
      ops::lrn(x, size, alpha, beta, k);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  };
  // Even sizes (cuDNN and torch centre them differently), and outside cuDNN's [1, 16].
  for (int size : {0, 2, 4, 16, 17, -1})
    EXPECT_NE(message(size, 1e-4f, 0.75f, 2.f).find("size must be odd"), std::string::npos) << size;
  EXPECT_NE(message(5, 1e-4f, 0.75f, 1e-6f).find("k must be >= 1e-05"), std::string::npos)
      << message(5, 1e-4f, 0.75f, 1e-6f);
  EXPECT_NE(message(5, 1e-4f, 0.005f, 2.f).find("beta must be >= 0.01"), std::string::npos)
      << message(5, 1e-4f, 0.005f, 2.f);
  EXPECT_NE(message(5, NAN, 0.75f, 2.f).find("must be finite"), std::string::npos);
  EXPECT_NE(message(5, 1e-4f, 0.75f, INFINITY).find("must be finite"), std::string::npos);
  EXPECT_THROW(ops::lrn(Var(test::random_tensor({4, 3, 3}, 1)), 3, 1e-4f, 0.75f, 2.f), Error);
  // cuDNN's minima themselves, written as floats, are accepted.
  EXPECT_NO_THROW(ops::lrn(x, 1, 1e-4f, 0.01f, 1e-5f));
  EXPECT_NO_THROW(ops::lrn(x, 15, 1e-4f, 0.75f, 2.f));
}

TEST(LrnOp, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  // cuDNN's LRN is its own implementation (its own pow, possibly dx from y): tolerances as for
  // conv2d. A wrong alpha convention (alpha vs alpha/size) or window would be off by far more
  // in the cases with a large alpha.
  for (const LrnCase& p : kCases) {
    std::vector<Var> in{Var(test::random_tensor({p.n, p.c, p.h, p.w}, 6, -2.f, 2.f), true)};
    auto f = [&p](const std::vector<Var>& v) {
      return ops::lrn(v[0], p.size, p.alpha, p.beta, p.k);
    };
    EXPECT_TRUE(test::cuda_matches_cpu(f, in, 1e-4f, 1e-5f)) << describe(p);
  }
  // A CRNN-sized activation at a reduced batch.
  std::vector<Var> big{Var(test::random_tensor({4, 32, 64, 65}, 7, -2.f, 2.f), true)};
  auto f = [](const std::vector<Var>& v) { return ops::lrn(v[0], 5, 1e-4f, 0.75f, 2.f); };
  EXPECT_TRUE(test::cuda_matches_cpu(f, big, 1e-4f, 1e-5f));
}

TEST(LrnOp, CudaGradientAccumulates) {
  MGR_REQUIRE_CUDA();
  // cuDNN's backward is called with beta = 1: a second backward pass must add to dx, not
  // overwrite it.
  const LrnCase& p = kCases[0];
  Var x(test::random_tensor({p.n, p.c, p.h, p.w}, 8, -2.f, 2.f, Device::cuda(0)), true);
  Tensor seed = test::random_tensor(x.shape(), 9, -1.f, 1.f, Device::cuda(0));
  ops::lrn(x, p.size, p.alpha, p.beta, p.k).backward(seed);
  std::vector<float> g1 = x.grad().to_vector();
  ops::lrn(x, p.size, p.alpha, p.beta, p.k).backward(seed);
  std::vector<float> g2 = x.grad().to_vector();
  for (size_t i = 0; i < g1.size(); ++i)
    EXPECT_NEAR(g2[i], 2 * g1[i], 1e-6 * (1 + std::abs(g1[i])));
}

}  // namespace
}  // namespace mgr
