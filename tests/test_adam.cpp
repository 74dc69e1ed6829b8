#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "framework/nn/linear.h"
#include "framework/ops/loss.h"
#include "framework/optim/adam.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

// Textbook Adam in double (Kingma & Ba, Algorithm 1, with PyTorch's L2 weight decay):
// m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t), p -= lr m_hat / (sqrt(v_hat) + eps).
struct ReferenceAdam {
  optim::AdamOptions o;
  std::vector<double> p, m, v;
  int t = 0;
  void step(const std::vector<float>& grad) {
    ++t;
    for (size_t i = 0; i < p.size(); ++i) {
      const double g = grad[i] + double(o.weight_decay) * p[i];
      m[i] = o.beta1 * m[i] + (1.0 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1.0 - o.beta2) * g * g;
      const double m_hat = m[i] / (1.0 - std::pow(double(o.beta1), t));
      const double v_hat = v[i] / (1.0 - std::pow(double(o.beta2), t));
      p[i] -= o.lr * m_hat / (std::sqrt(v_hat) + o.eps);
    }
  }
};

void set_grad(Var& p, const Tensor& g) {
  p.zero_grad();
  accumulate_grad(p, g);
}

TEST(Adam, MatchesDoublePrecisionReference) {
  for (float wd : {0.f, 0.02f}) {
    optim::AdamOptions o;
    o.lr = 0.01f;
    o.weight_decay = wd;
    Tensor init = test::random_tensor({4, 6}, 1);
    Var p(init.clone(), true);
    optim::Adam adam({&p}, o);
    ReferenceAdam ref{o, {}, std::vector<double>(24, 0.0), std::vector<double>(24, 0.0)};
    for (float x : init.to_vector()) ref.p.push_back(x);
    for (int step = 0; step < 8; ++step) {
      // Gradients of varying scale, including tiny ones where eps matters.
      const float scale = step == 5 ? 1e-6f : 0.5f;
      Tensor g = test::random_tensor({4, 6}, 100 + step, -scale, scale);
      set_grad(p, g);
      adam.step();
      ref.step(g.to_vector());
      std::vector<float> got = p.value().to_vector();
      for (size_t i = 0; i < got.size(); ++i)
        ASSERT_NEAR(got[i], ref.p[i], 1e-6 + 1e-6 * std::abs(ref.p[i]))
            << "wd " << wd << " step " << step << " element " << i;
    }
    EXPECT_EQ(adam.steps(), 8);
  }
}

TEST(Adam, FirstStepMovesEachWeightByLr) {
  // With bias correction the first update is lr * g / (|g| + eps'), i.e. about lr * sign(g).
  optim::AdamOptions o;
  o.lr = 0.1f;
  Var p(Tensor::zeros({3}), true);
  optim::Adam adam({&p}, o);
  set_grad(p, Tensor::from_vector(std::vector<float>{2.f, -0.5f, 1e-3f}, {3}));
  adam.step();
  std::vector<float> v = p.value().to_vector();
  EXPECT_NEAR(v[0], -0.1f, 1e-6f);
  EXPECT_NEAR(v[1], 0.1f, 1e-6f);
  EXPECT_NEAR(v[2], -0.1f * 1e-3f / (1e-3f + 1e-7f), 1e-6f);
}

TEST(Adam, SkipsParametersWithoutGradientAndExposesState) {
  Var a(test::random_tensor({5}, 2), true), b(test::random_tensor({2, 2}, 3), true);
  optim::Adam adam({&a, &b}, {});
  const std::vector<float> b0 = b.value().to_vector();
  set_grad(a, Tensor::full({5}, 1.f));
  adam.step();
  EXPECT_EQ(b.value().to_vector(), b0);
  std::vector<Tensor*> st = adam.state_tensors();
  ASSERT_EQ(st.size(), 4u);
  EXPECT_EQ(st[0]->shape(), (Shape{5}));
  EXPECT_EQ(st[2]->shape(), (Shape{2, 2}));
  EXPECT_NEAR(st[0]->to_vector()[0], 0.1f, 1e-7f);  // (1 - beta1) * g
  EXPECT_NEAR(st[1]->to_vector()[0], 1.0 - double(0.999f),
              1e-10);  // (1 - beta2) * g^2, float beta2
  for (float x : st[2]->to_vector()) EXPECT_EQ(x, 0.f);
  adam.zero_grad();
  EXPECT_FALSE(a.grad().defined());
  adam.set_lr(0.5f);
  EXPECT_EQ(adam.options().lr, 0.5f);
}

TEST(Adam, ResumingFromSavedStateIsExact) {
  // Run 6 steps straight, and 3 steps + save + restore into a fresh optimiser + 3 steps.
  Tensor init = test::random_tensor({10}, 4);
  auto grad_at = [](int s) { return test::random_tensor({10}, 200 + s); };
  Var p1(init.clone(), true);
  optim::Adam a1({&p1}, {});
  for (int s = 0; s < 6; ++s) set_grad(p1, grad_at(s)), a1.step();

  Var p2(init.clone(), true);
  optim::Adam a2({&p2}, {});
  for (int s = 0; s < 3; ++s) set_grad(p2, grad_at(s)), a2.step();
  std::vector<Tensor> saved;
  for (Tensor* t : a2.state_tensors()) saved.push_back(t->clone());
  Var p3(p2.value().clone(), true);
  optim::Adam a3({&p3}, {});
  a3.set_steps(a2.steps());
  std::vector<Tensor*> st = a3.state_tensors();
  for (size_t i = 0; i < st.size(); ++i) st[i]->copy_from(saved[i]);
  for (int s = 3; s < 6; ++s) set_grad(p3, grad_at(s)), a3.step();
  EXPECT_EQ(p3.value().to_vector(), p1.value().to_vector());
}

TEST(Adam, MatchesTorchReference) {
  std::ifstream f(std::string(MGR_SOURCE_DIR) + "/tests/data/torch/adam_reference.json");
  ASSERT_TRUE(f.good()) << "missing tests/data/torch/adam_reference.json";
  const nlohmann::json ref = nlohmann::json::parse(f);
  for (const auto& c : ref.at("cases")) {
    optim::AdamOptions o;
    o.lr = c["options"]["lr"].get<float>();
    o.beta1 = c["options"]["beta1"].get<float>();
    o.beta2 = c["options"]["beta2"].get<float>();
    o.eps = c["options"]["eps"].get<float>();
    o.weight_decay = c["options"]["weight_decay"].get<float>();
    std::vector<Var> params;
    for (size_t k = 0; k < c["shapes"].size(); ++k)
      params.emplace_back(
          Tensor::from_vector(c["init"][k].get<std::vector<float>>(), c["shapes"][k].get<Shape>()),
          true);
    std::vector<Var*> ptrs;
    for (Var& p : params) ptrs.push_back(&p);
    optim::Adam adam(ptrs, o);
    for (size_t s = 0; s < c["grads"].size(); ++s) {
      for (size_t k = 0; k < params.size(); ++k)
        set_grad(params[k], Tensor::from_vector(c["grads"][s][k].get<std::vector<float>>(),
                                                params[k].shape()));
      adam.step();
      for (size_t k = 0; k < params.size(); ++k) {
        Tensor want = Tensor::from_vector(c["params_after_step"][s][k].get<std::vector<float>>(),
                                          params[k].shape());
        ASSERT_TRUE(test::all_close(params[k].value(), want, 1e-6f, 1e-7f))
            << "step " << s << " param " << k << " wd " << o.weight_decay;
      }
    }
  }
}

TEST(Adam, TrainsALinearClassifier) {
  // Three Gaussian blobs in 2-D; a linear model trained with Adam separates them.
  const int N = 90, C = 3;
  std::vector<float> xs(N * 2);
  std::vector<int32_t> ys(N);
  Tensor noise = test::random_tensor({N, 2}, 5, -0.4f, 0.4f);
  std::vector<float> nz = noise.to_vector();
  const float centres[3][2] = {{1.f, 0.f}, {-1.f, 1.f}, {-1.f, -1.f}};
  for (int i = 0; i < N; ++i) {
    ys[i] = i % C;
    xs[i * 2] = centres[ys[i]][0] + nz[i * 2];
    xs[i * 2 + 1] = centres[ys[i]][1] + nz[i * 2 + 1];
  }
  Var x(Tensor::from_vector(xs, {N, 2}));
  Tensor labels = Tensor::from_vector(ys, {N});
  nn::Linear lin(2, C, true, 3);
  optim::AdamOptions o;
  o.lr = 0.05f;
  optim::Adam adam(lin.parameters(), o);
  float first = 0, last = 0;
  for (int it = 0; it < 100; ++it) {
    adam.zero_grad();
    Var loss = ops::softmax_cross_entropy(lin.forward(x), labels);
    if (it == 0) first = loss.value().item();
    last = loss.value().item();
    loss.backward();
    adam.step();
  }
  EXPECT_LT(last, 0.2f * first);
  std::vector<float> p = ops::softmax(lin.forward(x).value()).to_vector();
  int correct = 0;
  for (int i = 0; i < N; ++i)
    correct +=
        std::max_element(p.begin() + i * C, p.begin() + (i + 1) * C) - (p.begin() + i * C) == ys[i];
  EXPECT_EQ(correct, N);
}

TEST(Adam, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  optim::AdamOptions o;
  o.lr = 0.01f;
  o.weight_decay = 0.01f;
  Tensor init = test::random_tensor({1000, 3}, 6);
  Var pc(init.clone(), true), pg(init.to(Device::cuda(0)), true);
  optim::Adam ac({&pc}, o), ag({&pg}, o);
  for (int s = 0; s < 5; ++s) {
    Tensor g = test::random_tensor({1000, 3}, 300 + s);
    set_grad(pc, g);
    set_grad(pg, g.to(Device::cuda(0)));
    ac.step();
    ag.step();
  }
  // The kernel uses explicitly rounded float ops in the CPU loop's order.
  EXPECT_TRUE(test::all_close(pg.value(), pc.value(), 1e-6f, 1e-7f));
  EXPECT_TRUE(test::all_close(*ag.state_tensors()[1], *ac.state_tensors()[1], 1e-6f, 1e-9f));
}

TEST(Adam, StateFollowsAParameterMovedToCuda) {
  MGR_REQUIRE_CUDA();
  Var p(test::random_tensor({7}, 7), true);
  optim::Adam adam({&p}, {});
  p = Var(p.value().to(Device::cuda(0)), true);  // what Module::to does
  set_grad(p, Tensor::full({7}, 1.f, Device::cuda(0)));
  adam.step();
  EXPECT_TRUE(adam.state_tensors()[0]->is_cuda());
}

}  // namespace
}  // namespace mgr
