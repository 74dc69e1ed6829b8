// GRU / LSTM / tanh RNN: PyTorch reference values, finite-difference gradients, the h_n gradient
// path, the nn modules, and CUDA (cuDNN) against the CPU twin.
#include <omp.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "framework/nn/rnn.h"
#include "framework/ops/rnn.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using ops::RnnMode;

Tensor tensor_from_json(const nlohmann::json& e) {
  Shape shape = e.at("shape").get<Shape>();
  return Tensor::from_vector(e.at("data").get<std::vector<float>>(), shape);
}

// Random weights for a (mode, layers, dirs) RNN, as leaf Vars requiring gradients.
ops::RnnWeights random_weights(RnnMode mode, int in, int H, int L, bool bi, uint32_t seed,
                               float scale = 0.7f) {
  const int dirs = bi ? 2 : 1;
  const int64_t GH = int64_t(ops::rnn_gate_count(mode)) * H;
  ops::RnnWeights w;
  for (int l = 0; l < L; ++l) {
    const int64_t lin = l == 0 ? in : int64_t(H) * dirs;
    for (int d = 0; d < dirs; ++d) {
      w.w_ih.emplace_back(test::random_tensor({GH, lin}, seed++, -scale, scale), true);
      w.w_hh.emplace_back(test::random_tensor({GH, H}, seed++, -scale, scale), true);
      w.b_ih.emplace_back(test::random_tensor({GH}, seed++, -scale, scale), true);
      w.b_hh.emplace_back(test::random_tensor({GH}, seed++, -scale, scale), true);
    }
  }
  return w;
}

std::vector<Var> flatten(const Var& x, const ops::RnnWeights& w) {
  std::vector<Var> v{x};
  for (const auto* g : {&w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh})
    v.insert(v.end(), g->begin(), g->end());
  return v;
}

// Rebuilds RnnWeights from the flat input list made by flatten().
ops::RnnWeights unflatten(const std::vector<Var>& v, size_t n) {
  ops::RnnWeights w;
  for (size_t i = 0; i < n; ++i) {
    w.w_ih.push_back(v[1 + i]);
    w.w_hh.push_back(v[1 + n + i]);
    w.b_ih.push_back(v[1 + 2 * n + i]);
    w.b_hh.push_back(v[1 + 3 * n + i]);
  }
  return w;
}

struct Config {
  RnnMode mode;
  int layers;
  bool bi;
};

std::string name_of(const Config& c) {
  return std::string(ops::rnn_mode_name(c.mode)) + " layers=" + std::to_string(c.layers) +
         (c.bi ? " bidirectional" : " unidirectional");
}

const Config kConfigs[] = {
    {RnnMode::GRU, 1, false},     {RnnMode::GRU, 1, true},       {RnnMode::GRU, 2, false},
    {RnnMode::GRU, 2, true},      {RnnMode::LSTM, 1, false},     {RnnMode::LSTM, 1, true},
    {RnnMode::LSTM, 2, false},    {RnnMode::LSTM, 2, true},      {RnnMode::RNN_TANH, 1, false},
    {RnnMode::RNN_TANH, 1, true}, {RnnMode::RNN_TANH, 2, false}, {RnnMode::RNN_TANH, 2, true}};

// ---- PyTorch reference (tests/data/torch/make_rnn_golden.py) --------------------------------

void check_against_torch(const std::string& file) {
  SCOPED_TRACE(file);
  std::ifstream in(std::string(MGR_SOURCE_DIR) + "/tests/data/torch/" + file);
  ASSERT_TRUE(in.good()) << "missing golden file " << file;
  const nlohmann::json j = nlohmann::json::parse(in);
  const std::string mode = j.at("mode");
  const int in_size = j.at("input_size"), H = j.at("hidden"), L = j.at("num_layers");
  const bool bi = j.at("bidirectional");

  // Through the module: this also checks that our parameter names and shapes are PyTorch's.
  std::unique_ptr<nn::RnnBase> net;
  if (mode == "gru")
    net = std::make_unique<nn::GRU>(in_size, H, L, bi);
  else if (mode == "lstm")
    net = std::make_unique<nn::LSTM>(in_size, H, L, bi);
  else
    net = std::make_unique<nn::RNN>(in_size, H, L, bi);
  const auto& params = j.at("params");
  auto named = net->named_parameters();
  ASSERT_EQ(named.size(), params.size());
  for (auto& [name, var] : named) {
    ASSERT_TRUE(params.contains(name)) << "PyTorch has no parameter " << name;
    Tensor v = tensor_from_json(params.at(name));
    ASSERT_EQ(var->value().shape(), v.shape()) << name;
    var->value_mut().copy_from(v);
  }
  Var x(tensor_from_json(j.at("x")), true);
  ops::RnnOutput out = net->forward(x);
  EXPECT_TRUE(test::all_close(out.output.value(), tensor_from_json(j.at("output")), 1e-5f, 1e-6f));
  EXPECT_TRUE(test::all_close(out.h_n.value(), tensor_from_json(j.at("h_n")), 1e-5f, 1e-6f));

  // loss = sum(output * R) + sum(h_n * Rh), as two backward passes that accumulate.
  out.output.backward(tensor_from_json(j.at("R")));
  out.h_n.backward(tensor_from_json(j.at("Rh")));
  EXPECT_TRUE(test::all_close(x.grad(), tensor_from_json(j.at("grad_x")), 1e-5f, 1e-6f));
  for (auto& [name, var] : named) {
    ASSERT_TRUE(var->grad().defined()) << name;
    EXPECT_TRUE(
        test::all_close(var->grad(), tensor_from_json(j.at("grads").at(name)), 1e-5f, 1e-6f))
        << name;
  }
}

TEST(Rnn, MatchesPyTorchGru) {
  for (const char* f :
       {"rnn_gru_l1_uni.json", "rnn_gru_l1_bi.json", "rnn_gru_l2_uni.json", "rnn_gru_l2_bi.json"})
    check_against_torch(f);
}

TEST(Rnn, MatchesPyTorchLstm) {
  for (const char* f : {"rnn_lstm_l1_uni.json", "rnn_lstm_l1_bi.json", "rnn_lstm_l2_uni.json",
                        "rnn_lstm_l2_bi.json"})
    check_against_torch(f);
}

TEST(Rnn, MatchesPyTorchRnnTanh) {
  for (const char* f :
       {"rnn_rnn_l1_uni.json", "rnn_rnn_l1_bi.json", "rnn_rnn_l2_uni.json", "rnn_rnn_l2_bi.json"})
    check_against_torch(f);
}

// ---- finite differences -------------------------------------------------------------------

void grad_check_config(const Config& c, bool through_h_n) {
  SCOPED_TRACE(name_of(c) + (through_h_n ? ", loss on h_n" : ", loss on output"));
  const int B = 2, T = 3, IN = 4, H = 3;
  Var x(test::random_tensor({B, T, IN}, 11), true);
  ops::RnnWeights w = random_weights(c.mode, IN, H, c.layers, c.bi, 100);
  const size_t n = w.w_ih.size();
  auto f = [&](const std::vector<Var>& in) {
    ops::RnnOutput o = ops::rnn(in[0], unflatten(in, n), c.mode, H, c.layers, c.bi);
    return through_h_n ? o.h_n : o.output;
  };
  EXPECT_TRUE(test::grad_check(f, flatten(x, w)));
}

TEST(Rnn, GradCheckGru) {
  for (const Config& c : kConfigs)
    if (c.mode == RnnMode::GRU) {
      grad_check_config(c, false);
      grad_check_config(c, true);
    }
}

TEST(Rnn, GradCheckLstm) {
  for (const Config& c : kConfigs)
    if (c.mode == RnnMode::LSTM) {
      grad_check_config(c, false);
      grad_check_config(c, true);
    }
}

TEST(Rnn, GradCheckRnnTanh) {
  for (const Config& c : kConfigs)
    if (c.mode == RnnMode::RNN_TANH) {
      grad_check_config(c, false);
      grad_check_config(c, true);
    }
}

// One step of the tanh cell by hand: h1 = tanh(W_ih x0 + b_ih + b_hh) (zero initial state),
// h2 = tanh(W_ih x1 + b_ih + W_hh h1 + b_hh).
TEST(Rnn, TanhCellByHand) {
  const int IN = 2, H = 2;
  Var x(Tensor::from_vector(std::vector<float>{0.5f, -1.f, 2.f, 0.25f}, {1, 2, IN}), false);
  const std::vector<float> wih = {0.1f, -0.2f, 0.3f, 0.4f}, whh = {0.5f, -0.6f, 0.7f, 0.8f};
  const std::vector<float> bih = {0.01f, -0.02f}, bhh = {0.03f, 0.04f};
  ops::RnnWeights w;
  w.w_ih.emplace_back(Tensor::from_vector(wih, {H, IN}), false);
  w.w_hh.emplace_back(Tensor::from_vector(whh, {H, H}), false);
  w.b_ih.emplace_back(Tensor::from_vector(bih, {H}), false);
  w.b_hh.emplace_back(Tensor::from_vector(bhh, {H}), false);
  ops::RnnOutput o = ops::rnn(x, w, RnnMode::RNN_TANH, H, 1, false);
  const std::vector<float> xs = x.value().to_vector();
  double h1[2], h2[2];
  for (int j = 0; j < H; ++j)
    h1[j] =
        std::tanh(double(wih[j * IN]) * xs[0] + double(wih[j * IN + 1]) * xs[1] + bih[j] + bhh[j]);
  for (int j = 0; j < H; ++j)
    h2[j] = std::tanh(double(wih[j * IN]) * xs[2] + double(wih[j * IN + 1]) * xs[3] + bih[j] +
                      double(whh[j * H]) * h1[0] + double(whh[j * H + 1]) * h1[1] + bhh[j]);
  const std::vector<float> y = o.output.value().to_vector(), hn = o.h_n.value().to_vector();
  ASSERT_EQ(y.size(), 4u);
  for (int j = 0; j < H; ++j) {
    EXPECT_NEAR(y[j], h1[j], 1e-6);
    EXPECT_NEAR(y[H + j], h2[j], 1e-6);
    EXPECT_EQ(hn[j], y[H + j]);
  }
}

TEST(Rnn, HnIsTheLastStepOfEachDirection) {
  const int B = 3, T = 5, IN = 2, H = 4;
  Var x(test::random_tensor({B, T, IN}, 5), false);
  ops::RnnWeights w = random_weights(RnnMode::GRU, IN, H, 1, true, 7);
  ops::RnnOutput o = ops::rnn(x, w, RnnMode::GRU, H, 1, true);
  const std::vector<float> y = o.output.value().to_vector(), hn = o.h_n.value().to_vector();
  for (int b = 0; b < B; ++b)
    for (int j = 0; j < H; ++j) {
      EXPECT_EQ(hn[(0 * B + b) * H + j], y[(b * T + T - 1) * 2 * H + j]);
      EXPECT_EQ(hn[(1 * B + b) * H + j], y[(b * T + 0) * 2 * H + H + j]);
    }
}

TEST(Rnn, InputWithoutGradientAndNoGradMode) {
  const int B = 2, T = 4, IN = 3, H = 5;
  Var x(test::random_tensor({B, T, IN}, 8), false);
  ops::RnnWeights w = random_weights(RnnMode::LSTM, IN, H, 2, false, 9);
  ops::RnnOutput o = ops::rnn(x, w, RnnMode::LSTM, H, 2, false);
  ASSERT_TRUE(o.output.requires_grad());
  o.output.backward(test::random_tensor(o.output.shape(), 3));
  EXPECT_FALSE(x.grad().defined());
  EXPECT_TRUE(w.w_ih[0].grad().defined());
  Tensor y_train = o.output.value();
  NoGradGuard ng;
  ops::RnnOutput o2 = ops::rnn(x, w, RnnMode::LSTM, H, 2, false);
  EXPECT_FALSE(o2.output.requires_grad());
  EXPECT_FALSE(o2.h_n.requires_grad());
  EXPECT_EQ(o2.output.value().to_vector(), y_train.to_vector());
}

TEST(Rnn, BatchSlicesPerThreadMatchOneThread) {
  // Large enough for the CPU recurrence to split the batch across the OpenMP threads (each
  // thread one slice for the whole sequence): the same outputs and gradients as one thread.
  const int B = 32, T = 40, IN = 6, H = 48;
  for (RnnMode mode : {RnnMode::GRU, RnnMode::LSTM, RnnMode::RNN_TANH}) {
    std::vector<std::vector<float>> results[2];
    for (int threads : {1, 2}) {
      const int previous = omp_get_max_threads();
      omp_set_num_threads(threads);
      Var x(test::random_tensor({B, T, IN}, 21), true);
      ops::RnnWeights w = random_weights(mode, IN, H, 1, true, 23, 0.3f);
      ops::RnnOutput o = ops::rnn(x, w, mode, H, 1, true);
      o.output.backward(test::random_tensor(o.output.shape(), 25));
      omp_set_num_threads(previous);
      results[threads - 1] = {o.output.value().to_vector(), x.grad().to_vector(),
                              w.w_ih[0].grad().to_vector(), w.w_hh[1].grad().to_vector(),
                              w.b_hh[0].grad().to_vector()};
    }
    for (size_t i = 0; i < results[0].size(); ++i) {
      ASSERT_EQ(results[0][i].size(), results[1][i].size());
      for (size_t j = 0; j < results[0][i].size(); ++j)
        ASSERT_NEAR(results[1][i][j], results[0][i][j], 1e-5f * (1 + std::abs(results[0][i][j])))
            << ops::rnn_mode_name(mode) << " result " << i << " element " << j;
    }
  }
}

TEST(Rnn, RejectsBadWeights) {
  Var x(test::random_tensor({2, 3, 4}, 1), false);
  ops::RnnWeights w = random_weights(RnnMode::GRU, 4, 3, 1, false, 2);
  EXPECT_THROW(ops::rnn(x, w, RnnMode::LSTM, 3, 1, false), Error);  // GRU-sized gates
  EXPECT_THROW(ops::rnn(x, w, RnnMode::RNN_TANH, 3, 1, false), Error);
  EXPECT_THROW(ops::rnn(x, w, RnnMode::GRU, 3, 1, true), Error);   // missing reverse weights
  EXPECT_THROW(ops::rnn(x, w, RnnMode::GRU, 4, 1, false), Error);  // wrong hidden
  Var x2(test::random_tensor({2, 3, 5}, 1), false);
  EXPECT_THROW(ops::rnn(x2, w, RnnMode::GRU, 3, 1, false), Error);  // wrong input size
}

// ---- modules ------------------------------------------------------------------------------

TEST(RnnModule, ParameterNamesShapesAndInit) {
  nn::LSTM lstm(5, 3, 2, true, 42);
  const std::vector<std::pair<std::string, Shape>> want = {{"weight_ih_l0", {12, 5}},
                                                           {"weight_hh_l0", {12, 3}},
                                                           {"bias_ih_l0", {12}},
                                                           {"bias_hh_l0", {12}},
                                                           {"weight_ih_l0_reverse", {12, 5}},
                                                           {"weight_hh_l0_reverse", {12, 3}},
                                                           {"bias_ih_l0_reverse", {12}},
                                                           {"bias_hh_l0_reverse", {12}},
                                                           {"weight_ih_l1", {12, 6}},
                                                           {"weight_hh_l1", {12, 3}},
                                                           {"bias_ih_l1", {12}},
                                                           {"bias_hh_l1", {12}},
                                                           {"weight_ih_l1_reverse", {12, 6}},
                                                           {"weight_hh_l1_reverse", {12, 3}},
                                                           {"bias_ih_l1_reverse", {12}},
                                                           {"bias_hh_l1_reverse", {12}}};
  auto named = lstm.named_parameters();
  ASSERT_EQ(named.size(), want.size());
  const float bound = 1.f / std::sqrt(3.f);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(named[i].first, want[i].first);
    EXPECT_EQ(named[i].second->value().shape(), want[i].second) << want[i].first;
    EXPECT_TRUE(named[i].second->requires_grad());
    float lo = 1, hi = -1;
    for (float v : named[i].second->value().to_vector()) lo = std::min(lo, v), hi = std::max(hi, v);
    EXPECT_GE(lo, -bound);
    EXPECT_LT(hi, bound);
  }
  EXPECT_EQ(lstm.output_size(), 6);
  EXPECT_EQ(lstm.hidden(), 3);

  nn::GRU gru(7, 4);
  auto gp = gru.named_parameters();
  ASSERT_EQ(gp.size(), 4u);
  EXPECT_EQ(gp[0].first, "weight_ih_l0");
  EXPECT_EQ(gp[0].second->value().shape(), (Shape{12, 7}));
  EXPECT_EQ(gru.output_size(), 4);
  EXPECT_EQ(gru.num_parameters(), 12 * 7 + 12 * 4 + 12 + 12);
}

TEST(RnnModule, TanhRnnParameterNamesAndShapes) {
  nn::RNN rnn(5, 3, 2, true, 42);
  const std::vector<std::pair<std::string, Shape>> want = {{"weight_ih_l0", {3, 5}},
                                                           {"weight_hh_l0", {3, 3}},
                                                           {"bias_ih_l0", {3}},
                                                           {"bias_hh_l0", {3}},
                                                           {"weight_ih_l0_reverse", {3, 5}},
                                                           {"weight_hh_l0_reverse", {3, 3}},
                                                           {"bias_ih_l0_reverse", {3}},
                                                           {"bias_hh_l0_reverse", {3}},
                                                           {"weight_ih_l1", {3, 6}},
                                                           {"weight_hh_l1", {3, 3}},
                                                           {"bias_ih_l1", {3}},
                                                           {"bias_hh_l1", {3}},
                                                           {"weight_ih_l1_reverse", {3, 6}},
                                                           {"weight_hh_l1_reverse", {3, 3}},
                                                           {"bias_ih_l1_reverse", {3}},
                                                           {"bias_hh_l1_reverse", {3}}};
  auto named = rnn.named_parameters();
  ASSERT_EQ(named.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(named[i].first, want[i].first);
    EXPECT_EQ(named[i].second->value().shape(), want[i].second) << want[i].first;
  }
  EXPECT_EQ(rnn.mode(), RnnMode::RNN_TANH);
  EXPECT_EQ(rnn.output_size(), 6);
  Var x(test::random_tensor({2, 4, 5}, 1), false);
  ops::RnnOutput o = rnn.forward(x);
  EXPECT_EQ(o.output.shape(), (Shape{2, 4, 6}));
  EXPECT_EQ(o.h_n.shape(), (Shape{4, 2, 3}));
  EXPECT_STREQ(o.output.op(), "rnn_tanh");
}

TEST(RnnModule, InitIsDeterministicBySeed) {
  nn::GRU a(6, 5, 1, false, 3), b(6, 5, 1, false, 3), c(6, 5, 1, false, 4);
  const auto va = a.parameters()[0]->value().to_vector();
  EXPECT_EQ(va, b.parameters()[0]->value().to_vector());
  EXPECT_NE(va, c.parameters()[0]->value().to_vector());
  // Spread over the whole range, not clustered.
  double mean = 0;
  for (float v : va) mean += v;
  mean /= double(va.size());
  EXPECT_LT(std::abs(mean), 0.1);
}

TEST(RnnModule, ForwardShapes) {
  nn::GRU gru(6, 5, 2, true);
  Var x(test::random_tensor({3, 7, 6}, 1), false);
  ops::RnnOutput o = gru.forward(x);
  EXPECT_EQ(o.output.shape(), (Shape{3, 7, 10}));
  EXPECT_EQ(o.h_n.shape(), (Shape{4, 3, 5}));
  Var bad(test::random_tensor({3, 7, 5}, 1), false);
  EXPECT_THROW(gru.forward(bad), Error);
}

// ---- CUDA (cuDNN) against the CPU twin ------------------------------------------------------

void cuda_config(const Config& c, int B, int T, int IN, int H, bool through_h_n, float atol = 2e-5f,
                 float weight_scale = 0.4f) {
  SCOPED_TRACE(name_of(c) + (through_h_n ? ", h_n" : ", output") + " B=" + std::to_string(B) +
               " T=" + std::to_string(T) + " in=" + std::to_string(IN) + " H=" + std::to_string(H));
  Var x(test::random_tensor({B, T, IN}, 21), true);
  ops::RnnWeights w = random_weights(c.mode, IN, H, c.layers, c.bi, 300, weight_scale);
  const size_t n = w.w_ih.size();
  auto f = [&](const std::vector<Var>& in) {
    ops::RnnOutput o = ops::rnn(in[0], unflatten(in, n), c.mode, H, c.layers, c.bi);
    return through_h_n ? o.h_n : o.output;
  };
  EXPECT_TRUE(test::cuda_matches_cpu(f, flatten(x, w), 1e-4f, atol));
}

TEST(RnnCuda, MatchesCpuGru) {
  MGR_REQUIRE_CUDA();
  for (const Config& c : kConfigs)
    if (c.mode == RnnMode::GRU)
      for (bool hn : {false, true}) cuda_config(c, 3, 5, 4, 6, hn);
}

TEST(RnnCuda, MatchesCpuLstm) {
  MGR_REQUIRE_CUDA();
  for (const Config& c : kConfigs)
    if (c.mode == RnnMode::LSTM)
      for (bool hn : {false, true}) cuda_config(c, 3, 5, 4, 6, hn);
}

TEST(RnnCuda, MatchesCpuRnnTanh) {
  MGR_REQUIRE_CUDA();
  for (const Config& c : kConfigs)
    if (c.mode == RnnMode::RNN_TANH)
      for (bool hn : {false, true}) cuda_config(c, 3, 5, 4, 6, hn);
}

TEST(RnnCuda, MatchesCpuCrnnShape) {
  MGR_REQUIRE_CUDA();
  // The CRNN's shape class (B=64, T~32, H=64) with a smaller input to keep the CPU side quick.
  // Weight gradients sum over B*T = 2048 rows in different orders on the two sides: a looser
  // absolute floor for elements near zero.
  cuda_config({RnnMode::GRU, 2, false}, 64, 32, 96, 64, false, 1e-4f);
  cuda_config({RnnMode::LSTM, 1, true}, 16, 32, 96, 64, true, 1e-4f);
  // The ungated tanh RNN with W_hh entries in +-0.4 at H = 64 (spectral radius ~1.8) is chaotic
  // over 32 steps: on the CPU alone, moving every 7th input by one ulp moved outputs by 8e-6 and
  // W_hh gradients by 2e-4. With +-0.1 (radius ~0.5) the same perturbation moves them < 4e-6.
  cuda_config({RnnMode::RNN_TANH, 2, true}, 16, 32, 96, 64, false, 1e-4f, 0.1f);
}

TEST(RnnCuda, InferenceModeMatchesCpu) {
  MGR_REQUIRE_CUDA();
  for (const Config& c : kConfigs) {
    SCOPED_TRACE(name_of(c));
    Var x(test::random_tensor({4, 6, 5}, 31), false);
    ops::RnnWeights w = random_weights(c.mode, 5, 7, c.layers, c.bi, 400, 0.4f);
    ops::RnnWeights wg;
    for (size_t i = 0; i < w.w_ih.size(); ++i) {
      wg.w_ih.emplace_back(w.w_ih[i].value().to(Device::cuda(0)), false);
      wg.w_hh.emplace_back(w.w_hh[i].value().to(Device::cuda(0)), false);
      wg.b_ih.emplace_back(w.b_ih[i].value().to(Device::cuda(0)), false);
      wg.b_hh.emplace_back(w.b_hh[i].value().to(Device::cuda(0)), false);
    }
    NoGradGuard ng;
    ops::RnnOutput oc = ops::rnn(x, w, c.mode, 7, c.layers, c.bi);
    Var xg(x.value().to(Device::cuda(0)), false);
    ops::RnnOutput og = ops::rnn(xg, wg, c.mode, 7, c.layers, c.bi);
    EXPECT_TRUE(test::all_close(og.output.value(), oc.output.value(), 1e-4f, 1e-5f));
    EXPECT_TRUE(test::all_close(og.h_n.value(), oc.h_n.value(), 1e-4f, 1e-5f));
  }
}

}  // namespace
}  // namespace mgr
