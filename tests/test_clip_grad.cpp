#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "framework/optim/clip_grad.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

void set_grad(Var& p, const Tensor& g) {
  p.zero_grad();
  accumulate_grad(p, g);
}

double direct_norm(const std::vector<Tensor>& grads) {
  double s = 0;
  for (const Tensor& g : grads)
    for (float x : g.to_vector()) s += double(x) * x;
  return std::sqrt(s);
}

TEST(ClipGradNorm, MatchesDirectComputation) {
  const std::vector<Shape> shapes = {{3, 4}, {300}, {2, 3, 5, 7}, {1}};
  std::vector<Var> params;
  std::vector<Tensor> grads;
  for (size_t k = 0; k < shapes.size(); ++k) {
    params.emplace_back(Tensor::zeros(shapes[k]), true);
    grads.push_back(test::random_tensor(shapes[k], 40 + k));
  }
  Var no_grad(Tensor::zeros({5}), true);  // left out of the norm
  std::vector<Var*> ptrs;
  for (Var& p : params) ptrs.push_back(&p);
  ptrs.push_back(&no_grad);
  const double want = direct_norm(grads);
  ASSERT_GT(want, 2.0);

  // Not clipped: the gradients keep their bits.
  for (size_t k = 0; k < params.size(); ++k) set_grad(params[k], grads[k]);
  EXPECT_NEAR(optim::global_grad_norm(ptrs), want, 1e-12 * want);
  EXPECT_NEAR(optim::clip_grad_norm(ptrs, want + 1.0), want, 1e-12 * want);
  for (size_t k = 0; k < params.size(); ++k)
    EXPECT_EQ(params[k].grad().to_vector(), grads[k].to_vector());
  EXPECT_FALSE(no_grad.grad().defined());

  // Clipped to 1: every gradient scaled by 1 / (total + 1e-6), the new norm just below 1.
  const double total = optim::clip_grad_norm(ptrs, 1.0);
  EXPECT_NEAR(total, want, 1e-12 * want);
  const float coef = static_cast<float>(1.0 / (total + 1e-6));
  std::vector<Tensor> after;
  for (size_t k = 0; k < params.size(); ++k) {
    std::vector<float> g = grads[k].to_vector(), got = params[k].grad().to_vector();
    for (size_t i = 0; i < g.size(); ++i) ASSERT_EQ(got[i], coef * g[i]) << k << " " << i;
    after.push_back(params[k].grad());
  }
  EXPECT_NEAR(direct_norm(after), 1.0, 1e-6);
  EXPECT_FALSE(no_grad.grad().defined());
}

TEST(ClipGradNorm, NoGradientsAndBadArguments) {
  Var a(Tensor::zeros({3}), true);
  EXPECT_EQ(optim::clip_grad_norm({&a}, 1.0), 0.0);
  EXPECT_EQ(optim::clip_grad_norm({}, 1.0), 0.0);
  set_grad(a, Tensor::full({3}, 4.f));
  EXPECT_THROW(optim::clip_grad_norm({&a}, 0.0), Error);
  EXPECT_THROW(optim::clip_grad_norm({&a}, -1.0), Error);
  EXPECT_THROW(optim::clip_grad_norm({&a}, std::nan("")), Error);
  EXPECT_THROW(optim::clip_grad_norm({nullptr}, 1.0), Error);
  // Infinity never clips.
  EXPECT_NEAR(optim::clip_grad_norm({&a}, INFINITY), std::sqrt(48.0), 1e-12);
  EXPECT_EQ(a.grad().to_vector(), (std::vector<float>{4.f, 4.f, 4.f}));
}

TEST(ClipGradNorm, MatchesTorchReference) {
  std::ifstream f(std::string(MGR_SOURCE_DIR) + "/tests/data/torch/clip_grad_norm_reference.json");
  ASSERT_TRUE(f.good()) << "missing tests/data/torch/clip_grad_norm_reference.json";
  const nlohmann::json ref = nlohmann::json::parse(f);
  ASSERT_EQ(ref.at("cases").size(), 4u);
  int case_index = 0;
  for (const auto& c : ref.at("cases")) {
    std::vector<Var> params;
    for (size_t k = 0; k < c["shapes"].size(); ++k) {
      const Shape shape = c["shapes"][k].get<Shape>();
      params.emplace_back(Tensor::zeros(shape), true);
      if (!c["grads"][k].is_null())
        set_grad(params.back(),
                 Tensor::from_vector(c["grads"][k].get<std::vector<float>>(), shape));
    }
    std::vector<Var*> ptrs;
    for (Var& p : params) ptrs.push_back(&p);
    const double total = optim::clip_grad_norm(ptrs, c["max_norm"].get<double>());
    // torch reduces in float32 (a norm per tensor, then the norm of the norms); we in double.
    const double want = c["total_norm"].get<double>();
    EXPECT_NEAR(total, want, 1e-6 * want) << "case " << case_index;
    for (size_t k = 0; k < params.size(); ++k) {
      if (c["grads_after"][k].is_null()) {
        EXPECT_FALSE(params[k].grad().defined());
        continue;
      }
      Tensor want_g =
          Tensor::from_vector(c["grads_after"][k].get<std::vector<float>>(), params[k].shape());
      EXPECT_TRUE(test::all_close(params[k].grad(), want_g, 1e-6f, 0.f))
          << "case " << case_index << " param " << k;
    }
    ++case_index;
  }
}

TEST(ClipGradNorm, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  // Shapes reaching every edge of the reduction: one row of > 256, many short rows, a single
  // element, a long row of 70,000 (one block strides over it), rows of one element.
  const std::vector<Shape> shapes = {{300}, {64, 3, 3, 3}, {1}, {5, 70000}, {600, 1}};
  for (double max_norm : {1e9, 2.0}) {
    std::vector<Var> pc, pg;
    for (size_t k = 0; k < shapes.size(); ++k) {
      Tensor g = test::random_tensor(shapes[k], 60 + k);
      pc.emplace_back(Tensor::zeros(shapes[k]), true);
      pg.emplace_back(Tensor::zeros(shapes[k], DType::F32, Device::cuda(0)), true);
      set_grad(pc.back(), g);
      set_grad(pg.back(), g.to(Device::cuda(0)));
    }
    Var cpu_extra(Tensor::zeros({4}), true);  // without a gradient: skipped on both
    std::vector<Var*> c_ptrs, g_ptrs;
    for (Var& p : pc) c_ptrs.push_back(&p);
    for (Var& p : pg) g_ptrs.push_back(&p);
    c_ptrs.push_back(&cpu_extra);
    const double tc = optim::clip_grad_norm(c_ptrs, max_norm);
    const double tg = optim::clip_grad_norm(g_ptrs, max_norm);
    EXPECT_EQ(tg, tc) << "the fixed reduction order gives the same bits";
    for (size_t k = 0; k < shapes.size(); ++k) {
      ASSERT_TRUE(pg[k].grad().is_cuda());
      EXPECT_EQ(pg[k].grad().to_vector(), pc[k].grad().to_vector()) << "max_norm " << max_norm;
    }
  }
  // A mix of devices: the CUDA gradients and the CPU ones add up to the all-CPU total.
  Var a(Tensor::zeros({50}), true), b(Tensor::zeros({7, 9}, DType::F32, Device::cuda(0)), true);
  Var b_cpu(Tensor::zeros({7, 9}), true);
  set_grad(a, test::random_tensor({50}, 70));
  Tensor gb = test::random_tensor({7, 9}, 71);
  set_grad(b, gb.to(Device::cuda(0)));
  set_grad(b_cpu, gb);
  EXPECT_EQ(optim::global_grad_norm({&a, &b}), optim::global_grad_norm({&a, &b_cpu}));
}

}  // namespace
}  // namespace mgr
