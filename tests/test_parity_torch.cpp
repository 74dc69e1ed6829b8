// Parity with PyTorch: for a small configuration of every experiment's network
// (tests/data/parity/<arch>.yaml), scripts/parity/torch_parity.py built the same network in
// PyTorch from the same YAML, wrote its weights in our checkpoint layout, and recorded for a
// fixed input the eval-mode logits, then (training mode, dropout off) the logits, the loss, every
// parameter's gradient and the batch-norm running statistics after the step. Here the
// GraphModel loads those weights and must reproduce all of it on the CPU.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "framework/config/layers_yaml.h"
#include "framework/engine/checkpoint.h"
#include "framework/graph/graph_model.h"
#include "framework/ops/loss.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using json = nlohmann::json;

std::string parity_dir() { return std::string(MGR_SOURCE_DIR) + "/tests/data/parity/"; }

std::vector<float> read_floats(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing golden file " << path;
  in.seekg(0, std::ios::end);
  std::vector<float> v(static_cast<size_t>(in.tellg()) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * 4));
  return v;
}

// Largest |a - b| over the tensor, and the largest |b| (the golden's scale).
struct Diff {
  double abs = 0, scale = 0;
};
Diff compare(const std::vector<float>& a, const std::vector<float>& b) {
  Diff d;
  EXPECT_EQ(a.size(), b.size());
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    d.abs = std::max(d.abs, double(std::fabs(a[i] - b[i])));
    d.scale = std::max(d.scale, double(std::fabs(b[i])));
  }
  return d;
}

class TorchParity : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchParity, LogitsLossGradientsAndRunningStatsMatchPyTorch) {
  const std::string arch = GetParam(), dir = parity_dir() + arch + "/";
  std::ifstream mf(dir + "manifest.json");
  ASSERT_TRUE(mf.good()) << "missing " << dir << "manifest.json";
  const json m = json::parse(mf);
  const YAML::Node doc = YAML::LoadFile(parity_dir() + arch + ".yaml");
  std::vector<std::string> errors;
  const auto layers = config::parse_layers(
      doc["model"]["layers"], YAML::Mark::null_mark(),
      [&](const YAML::Mark& mk) { return arch + ".yaml:" + std::to_string(mk.line + 1); }, errors);
  ASSERT_TRUE(errors.empty()) << errors.front();
  const Shape input = m["input_shape"].get<Shape>();
  const int classes = m["classes"].get<int>(), batch = m["batch"].get<int>();
  graph::GraphModel model(graph::plan_graph(layers, input, classes), 99);
  train::load_checkpoint(dir + "weights.h5", model);

  Shape xs{batch};
  xs.insert(xs.end(), input.begin(), input.end());
  const Tensor x = Tensor::from_vector(read_floats(dir + "input.bin"), xs);
  const std::vector<int32_t> labels = m["labels"].get<std::vector<int32_t>>();

  // Tolerances: float32 on both sides with different summation orders (im2col + OpenBLAS vs
  // torch's kernels), relative to each tensor's largest value.
  const double rtol = 2e-5, atol = 1e-6;
  auto expect_close = [&](const std::string& what, const std::vector<float>& got,
                          const std::string& file, double abs_floor) {
    const Diff d = compare(got, read_floats(dir + file));
    EXPECT_LE(d.abs, rtol * d.scale + abs_floor)
        << arch << " " << what << ": max |mgr - torch| = " << d.abs << " (scale " << d.scale << ")";
    return d;
  };

  {  // evaluation mode: dropout off, batch norm on the checkpoint's running statistics
    model.eval();
    NoGradGuard ng;
    expect_close("eval logits", model.forward(Var(x)).value().to_vector(), "logits_eval.bin", atol);
  }
  // Parity mode: training (batch statistics), every dropout layer the identity.
  model.train();
  for (const auto& pl : model.plan().layers)
    if (pl.spec->type == "dropout") model.layer_module(pl.spec->name)->train(false);
  Var logits = model.forward(Var(x));
  const Diff dl =
      expect_close("train logits", logits.value().to_vector(), "logits_train.bin", atol);
  Var loss = ops::softmax_cross_entropy(
      logits, Tensor::from_vector(labels, {static_cast<int64_t>(labels.size())}));
  EXPECT_NEAR(loss.value().item(), m["loss"].get<double>(), 1e-5) << arch;
  loss.backward();

  // Gradients that are zero in exact arithmetic (a bias feeding training-mode batch norm) are
  // float32 noise on both sides: compared with an absolute floor only.
  std::set<std::string> zero_exact;
  if (m["f64_check"]["grads"].contains("zero_in_exact_arithmetic"))
    for (const auto& n : m["f64_check"]["grads"]["zero_in_exact_arithmetic"])
      zero_exact.insert(n.get<std::string>());
  double worst_grad = 0;
  int checked = 0;
  for (auto& [name, p] : model.named_parameters()) {
    ASSERT_TRUE(p->grad().defined()) << arch << ": no gradient reached " << name;
    const std::vector<float> g = p->grad().to_vector(),
                             ref = read_floats(dir + "grad/" + name + ".bin");
    const Diff d = compare(g, ref);
    if (zero_exact.count(name)) {
      EXPECT_LE(d.abs, 1e-5) << arch << " grad " << name;
    } else {
      EXPECT_LE(d.abs, 1e-4 * d.scale + atol)
          << arch << " grad " << name << ": max |mgr - torch| = " << d.abs << " (scale " << d.scale
          << ")";
      worst_grad = std::max(worst_grad, d.scale > 0 ? d.abs / d.scale : d.abs);
    }
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(m["parameters"].size())) << arch;
  for (auto& [name, b] : model.named_buffers())
    expect_close("buffer " + name, b->to_vector(), "buffers_after/" + name + ".bin", atol);
  std::cout << "parity " << arch << ": train logits max abs diff " << dl.abs << " (scale "
            << dl.scale << "), worst relative gradient diff " << worst_grad << "\n";
}

INSTANTIATE_TEST_SUITE_P(Architectures, TorchParity,
                         ::testing::Values("crnn_gru", "crnn_lstm", "paper002_crnn",
                                           "paper003_lstm", "paper003_simple_cnn",
                                           "paper003_complex_cnn", "rcnn", "paper004_cnn", "prcnn",
                                           "mlp_vector", "zoo", "winograd"));

}  // namespace
}  // namespace mgr
