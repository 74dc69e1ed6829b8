#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "framework/optim/adam.h"
#include "framework/optim/sgd.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

void set_grad(Var& p, const Tensor& g) {
  p.zero_grad();
  accumulate_grad(p, g);
}

TEST(SGD, HandComputedSteps) {
  // p = 1, g = 1 at every step, lr 0.1, momentum 0.9.
  // Heavy ball: buf 1, 1.9; p 0.9, 0.71. Nesterov: update 1 + 0.9 * 1 = 1.9, then
  // 1 + 0.9 * 1.9 = 2.71; p 0.81, 0.539. Plain SGD with weight decay 0.5: g = 1 + 0.5 p;
  // p 1 - 0.1 * 1.5 = 0.85, then 0.85 - 0.1 * 1.425 = 0.7075.
  auto run = [](optim::SgdOptions o) {
    Var p(Tensor::full({1}, 1.f), true);
    optim::SGD sgd({&p}, o);
    std::vector<float> out;
    for (int s = 0; s < 2; ++s) {
      set_grad(p, Tensor::full({1}, 1.f));
      sgd.step();
      out.push_back(p.value().to_vector()[0]);
    }
    return out;
  };
  std::vector<float> heavy = run({0.1f, 0.9f, 0.f, false});
  EXPECT_NEAR(heavy[0], 0.9f, 1e-6f);
  EXPECT_NEAR(heavy[1], 0.71f, 1e-6f);
  std::vector<float> nesterov = run({0.1f, 0.9f, 0.f, true});
  EXPECT_NEAR(nesterov[0], 0.81f, 1e-6f);
  EXPECT_NEAR(nesterov[1], 0.539f, 1e-6f);
  std::vector<float> decay = run({0.1f, 0.f, 0.5f, false});
  EXPECT_NEAR(decay[0], 0.85f, 1e-6f);
  EXPECT_NEAR(decay[1], 0.7075f, 1e-6f);
}

TEST(SGD, MatchesTorchReference) {
  std::ifstream f(std::string(MGR_SOURCE_DIR) + "/tests/data/torch/sgd_reference.json");
  ASSERT_TRUE(f.good()) << "missing tests/data/torch/sgd_reference.json";
  const nlohmann::json ref = nlohmann::json::parse(f);
  ASSERT_EQ(ref.at("cases").size(), 6u);
  int case_index = 0;
  for (const auto& c : ref.at("cases")) {
    optim::SgdOptions o;
    o.lr = c["options"]["lr"].get<float>();
    o.momentum = c["options"]["momentum"].get<float>();
    o.weight_decay = c["options"]["weight_decay"].get<float>();
    o.nesterov = c["options"]["nesterov"].get<bool>();
    std::vector<Var> params;
    for (size_t k = 0; k < c["shapes"].size(); ++k)
      params.emplace_back(
          Tensor::from_vector(c["init"][k].get<std::vector<float>>(), c["shapes"][k].get<Shape>()),
          true);
    std::vector<Var*> ptrs;
    for (Var& p : params) ptrs.push_back(&p);
    optim::SGD sgd(ptrs, o);
    for (size_t s = 0; s < c["grads"].size(); ++s) {
      for (size_t k = 0; k < params.size(); ++k) {
        const nlohmann::json& g = c["grads"][s][k];
        if (g.is_null())
          params[k].zero_grad();
        else
          set_grad(params[k], Tensor::from_vector(g.get<std::vector<float>>(), params[k].shape()));
      }
      sgd.step();
      for (size_t k = 0; k < params.size(); ++k) {
        Tensor want = Tensor::from_vector(c["params_after_step"][s][k].get<std::vector<float>>(),
                                          params[k].shape());
        ASSERT_TRUE(test::all_close(params[k].value(), want, 1e-6f, 1e-7f))
            << "case " << case_index << " step " << s << " param " << k;
      }
    }
    ++case_index;
  }
}

TEST(SGD, SkipsParametersWithoutGradientAndExposesState) {
  Var a(test::random_tensor({5}, 2), true), b(test::random_tensor({2, 2}, 3), true);
  optim::SGD sgd({&a, &b}, {0.1f, 0.9f, 0.f, false});
  const std::vector<float> b0 = b.value().to_vector();
  set_grad(a, Tensor::full({5}, 2.f));
  sgd.step();
  EXPECT_EQ(b.value().to_vector(), b0);
  std::vector<Tensor*> st = sgd.state_tensors();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0]->shape(), (Shape{5}));
  EXPECT_EQ(st[1]->shape(), (Shape{2, 2}));
  for (float x : st[0]->to_vector()) EXPECT_EQ(x, 2.f);  // buf = g on the first step
  for (float x : st[1]->to_vector()) EXPECT_EQ(x, 0.f);
  EXPECT_EQ(sgd.steps(), 1);
  sgd.zero_grad();
  EXPECT_FALSE(a.grad().defined());

  optim::SGD plain({&a}, {0.1f, 0.f, 0.f, false});
  EXPECT_TRUE(plain.state_tensors().empty());
}

TEST(SGD, ResumingFromSavedStateIsExact) {
  // 6 steps straight, and 3 steps + save + restore into a fresh optimiser + 3 steps. The second
  // parameter gets its first gradient only after the restore (its buffer was saved as zeros).
  const optim::SgdOptions o{0.05f, 0.9f, 0.01f, true};
  Tensor init_a = test::random_tensor({10}, 4), init_b = test::random_tensor({3}, 5);
  auto grad_a = [](int s) { return test::random_tensor({10}, 200 + s); };
  auto grad_b = [](int s) { return test::random_tensor({3}, 300 + s); };
  auto feed = [&](Var& a, Var& b, int s) {
    set_grad(a, grad_a(s));
    if (s >= 4)
      set_grad(b, grad_b(s));
    else
      b.zero_grad();
  };
  Var a1(init_a.clone(), true), b1(init_b.clone(), true);
  optim::SGD s1({&a1, &b1}, o);
  for (int s = 0; s < 6; ++s) feed(a1, b1, s), s1.step();

  Var a2(init_a.clone(), true), b2(init_b.clone(), true);
  optim::SGD s2({&a2, &b2}, o);
  for (int s = 0; s < 3; ++s) feed(a2, b2, s), s2.step();
  std::vector<Tensor> saved;
  for (Tensor* t : s2.state_tensors()) saved.push_back(t->clone());
  Var a3(a2.value().clone(), true), b3(b2.value().clone(), true);
  optim::SGD s3({&a3, &b3}, o);
  s3.set_steps(s2.steps());
  EXPECT_EQ(s3.steps(), 3);
  std::vector<Tensor*> st = s3.state_tensors();
  ASSERT_EQ(st.size(), saved.size());
  for (size_t i = 0; i < st.size(); ++i) st[i]->copy_from(saved[i]);
  for (int s = 3; s < 6; ++s) feed(a3, b3, s), s3.step();
  EXPECT_EQ(a3.value().to_vector(), a1.value().to_vector());
  EXPECT_EQ(b3.value().to_vector(), b1.value().to_vector());
}

TEST(SGD, RejectsBadOptions) {
  Var p(Tensor::zeros({2}), true);
  EXPECT_THROW(optim::SGD({&p}, {0.1f, 0.f, 0.f, true}), Error);  // nesterov without momentum
  EXPECT_THROW(optim::SGD({&p}, {-0.1f, 0.f, 0.f, false}), Error);
  EXPECT_THROW(optim::SGD({&p}, {0.1f, -0.5f, 0.f, false}), Error);
  EXPECT_THROW(optim::SGD({&p}, {0.1f, 0.f, -1.f, false}), Error);
  Var frozen(Tensor::zeros({2}), false);
  EXPECT_THROW(optim::SGD({&frozen}, {}), Error);
  optim::SGD sgd({&p}, {});
  EXPECT_THROW(sgd.set_lr(-1.f), Error);
  EXPECT_THROW(sgd.set_steps(-1), Error);
}

TEST(Optimizer, AdamAndSgdBehindTheInterface) {
  Var p(Tensor::full({3}, 1.f), true), q(Tensor::full({3}, 1.f), true);
  std::vector<std::unique_ptr<optim::Optimizer>> opts;
  opts.push_back(std::make_unique<optim::Adam>(std::vector<Var*>{&p}, optim::AdamOptions{}));
  opts.push_back(std::make_unique<optim::SGD>(std::vector<Var*>{&q}, optim::SgdOptions{}));
  EXPECT_EQ(opts[0]->name(), "adam");
  EXPECT_EQ(opts[1]->name(), "sgd");
  for (auto& o : opts) {
    o->set_lr(0.25f);
    EXPECT_EQ(o->lr(), 0.25f);
    for (Var* v : o->params()) set_grad(*v, Tensor::full({3}, 1.f));
    o->step();
    EXPECT_EQ(o->steps(), 1);
    o->zero_grad();
    for (Var* v : o->params()) EXPECT_FALSE(v->grad().defined());
  }
  // Adam's first step moves by about lr, SGD's by lr * g.
  EXPECT_NEAR(p.value().to_vector()[0], 0.75f, 1e-6f);
  EXPECT_NEAR(q.value().to_vector()[0], 0.75f, 1e-7f);
  EXPECT_EQ(opts[0]->state_tensors().size(), 2u);
  EXPECT_EQ(opts[1]->state_tensors().size(), 0u);
}

TEST(SGD, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  for (const optim::SgdOptions& o :
       {optim::SgdOptions{0.05f, 0.f, 0.01f, false}, optim::SgdOptions{0.05f, 0.9f, 0.f, false},
        optim::SgdOptions{0.05f, 0.9f, 0.01f, true}}) {
    Tensor init = test::random_tensor({1000, 3}, 6);
    Var pc(init.clone(), true), pg(init.to(Device::cuda(0)), true);
    optim::SGD sc({&pc}, o), sg({&pg}, o);
    for (int s = 0; s < 5; ++s) {
      Tensor g = test::random_tensor({1000, 3}, 300 + s);
      set_grad(pc, g);
      set_grad(pg, g.to(Device::cuda(0)));
      sc.step();
      sg.step();
    }
    // The kernel runs kernels/shared/sgd_update.h (explicitly rounded float ops): same bits.
    EXPECT_EQ(pg.value().to_vector(), pc.value().to_vector())
        << "momentum " << o.momentum << " nesterov " << o.nesterov;
    ASSERT_EQ(sg.state_tensors().size(), sc.state_tensors().size());
    for (size_t i = 0; i < sc.state_tensors().size(); ++i) {
      EXPECT_TRUE(sg.state_tensors()[i]->is_cuda());
      EXPECT_EQ(sg.state_tensors()[i]->to_vector(), sc.state_tensors()[i]->to_vector());
    }
  }
}

TEST(SGD, StateFollowsAParameterMovedToCuda) {
  MGR_REQUIRE_CUDA();
  Var p(test::random_tensor({7}, 7), true);
  optim::SGD sgd({&p}, {0.1f, 0.9f, 0.f, false});
  p = Var(p.value().to(Device::cuda(0)), true);  // what Module::to does
  set_grad(p, Tensor::full({7}, 1.f, Device::cuda(0)));
  sgd.step();
  EXPECT_TRUE(sgd.state_tensors()[0]->is_cuda());
  for (float x : sgd.state_tensors()[0]->to_vector()) EXPECT_EQ(x, 1.f);
}

}  // namespace
}  // namespace mgr
