// Networks as data: model.layers parsed, checked and shaped from the config alone (every kind of
// mistake located at file:line with the layer's name), built into a GraphModel whose parameters
// are named by layer, and differentiated end to end.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "framework/config/field_table.h"
#include "framework/config/yaml_config.h"
#include "framework/experiment/load.h"
#include "framework/graph/graph_model.h"
#include "framework/graph/model_check.h"
#include "framework/graph/resolved_config.h"
#include "framework/ops/loss.h"
#include "framework/ops/shape_ops.h"
#include "tests/test_util.h"

namespace mgr {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A small experiment (40 mel bands x 44 frames per 1 s clip) around the given layer list.
std::string experiment(const std::string& layers) {
  return "data:\n  sample_rate: 11025\n  clip_seconds: 1.0\n  clip_hop_seconds: 1.0\n"
         "features:\n  n_fft: 512\n  hop_length: 256\n  n_mels: 40\n"
         "model:\n  layers:\n" +
         layers;
}

std::string error_of(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    experiment::parse(yaml, "net.yaml", overrides);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error for\n" << yaml;
  return "";
}

const char* kSmallCnn =
    "    - {name: c1, type: conv2d, channels: 4}\n"          // line 11
    "    - {name: a1, type: relu}\n"                         // line 12
    "    - {name: p1, type: max_pool, size: 2}\n"            // line 13
    "    - {name: g, type: global_avg_pool}\n"               // line 14
    "    - {name: out, type: dense, units: num_classes}\n";  // line 15

TEST(GraphConfig, SmallNetworkPlansFromTheConfig) {
  const config::ExperimentConfig c = experiment::parse(experiment(kSmallCnn), "net.yaml");
  EXPECT_EQ(graph::model_input_shape(c), (Shape{1, 40, 44}));
  const auto plan = graph::plan_classifier(c);
  ASSERT_EQ(plan->layers.size(), 5u);
  EXPECT_EQ(plan->layers[0].out, (Shape{4, 40, 44}));  // same padding
  EXPECT_EQ(plan->layers[2].out, (Shape{4, 20, 22}));
  EXPECT_EQ(plan->layers[3].out, (Shape{4}));
  EXPECT_EQ(plan->output(), (Shape{10}));
}

TEST(GraphConfig, DefaultModelIsPaper001Crnn) {
  const auto plan = graph::plan_classifier(config::ExperimentConfig{});
  EXPECT_EQ(plan->input, (Shape{1, 128, 130}));
  EXPECT_EQ(plan->layers[8].out, (Shape{32, 64 * 32}));  // to_sequence: [T, C*F]
  EXPECT_EQ(plan->output(), (Shape{10}));
}

TEST(GraphConfig, UnknownKeySuggestsFromTheLayerTypesOwnKeys) {
  const std::string msg =
      error_of(experiment("    - {name: c1, type: conv2d, channels: 4, kernal: 3}\n"
                          "    - {name: g, type: global_max_pool}\n"
                          "    - {name: out, type: dense, units: num_classes}\n"));
  EXPECT_THAT(msg, HasSubstr("net.yaml:11:45: layer 'c1' (conv2d): kernal: unknown key for a "
                             "conv2d layer (did you mean 'kernel'?)"));
  // A key of another layer type is not accepted either.
  EXPECT_THAT(error_of(experiment("    - {name: g, type: global_max_pool, size: 2}\n"
                                  "    - {name: out, type: dense, units: num_classes}\n")),
              HasSubstr("layer 'g' (global_max_pool): size: unknown key for a global_max_pool "
                        "layer (global_max_pool has no keys besides name, type and in)"));
}

TEST(GraphConfig, WrongTypesAndRangesNameTheLayerAndKey) {
  EXPECT_THAT(error_of(experiment("    - {name: c1, type: conv2d, channels: x}\n"
                                  "    - {name: g, type: global_max_pool}\n"
                                  "    - {name: out, type: dense, units: num_classes}\n")),
              HasSubstr("net.yaml:11:32: layer 'c1' (conv2d): channels: expected an integer in "
                        "[1, 65536], got \"x\""));
  EXPECT_THAT(error_of(experiment("    - {name: g, type: global_max_pool}\n"
                                  "    - {name: d, type: dropout, rate: 1.5}\n"
                                  "    - {name: out, type: dense, units: num_classes}\n")),
              HasSubstr("layer 'd' (dropout): rate: expected a number in [0, 1), got \"1.5\""));
  EXPECT_THAT(error_of(experiment("    - {name: c1, type: conv2d, channels: 4, padding: half}\n"
                                  "    - {name: g, type: global_max_pool}\n"
                                  "    - {name: out, type: dense, units: num_classes}\n")),
              HasSubstr("layer 'c1' (conv2d): padding: expected same, valid, an integer >= 0"));
  EXPECT_THAT(error_of(experiment("    - {name: convv, type: convv2d, channels: 4}\n"
                                  "    - {name: out, type: dense, units: num_classes}\n")),
              HasSubstr("net.yaml:11:21: layer 'convv' (convv2d): type: unknown layer type "
                        "'convv2d' (did you mean 'conv2d'?)"));
  EXPECT_THAT(error_of(experiment("    - {name: g, type: global_max_pool}\n"
                                  "    - {name: out, type: dense}\n")),
              HasSubstr("net.yaml:12:7: layer 'out' (dense): missing required key 'units'"));
}

TEST(GraphConfig, NamesAndInputsAreChecked) {
  EXPECT_THAT(error_of(experiment("    - {name: g, type: global_max_pool}\n"
                                  "    - {name: g, type: relu}\n"
                                  "    - {name: out, type: dense, units: num_classes}\n")),
              HasSubstr("net.yaml:12:8: layer 'g' (relu): name: duplicate layer name (first at "
                        "net.yaml:11:7)"));
  EXPECT_THAT(error_of(experiment("    - {name: g, type: global_max_pool}\n"
                                  "    - {name: out, type: dense, units: num_classes, in: gg}\n")),
              HasSubstr("layer 'out' (dense): in: no layer named 'gg' above this one (did you "
                        "mean 'g'?)"));
  // A forward reference (and so any cycle) is an error naming where the later layer is.
  const std::string fwd =
      error_of(experiment("    - {name: a, type: relu, in: b}\n"
                          "    - {name: b, type: relu, in: a}\n"
                          "    - {name: g, type: global_max_pool}\n"
                          "    - {name: out, type: dense, units: num_classes}\n"));
  EXPECT_THAT(fwd, HasSubstr("layer 'a' (relu): in: 'b' is declared later (at net.yaml:12:7)"));
  EXPECT_THAT(error_of(experiment("    - {name: a, type: relu, in: a}\n"
                                  "    - {name: g, type: global_max_pool}\n"
                                  "    - {name: out, type: dense, units: num_classes}\n")),
              HasSubstr("'a' is this layer itself"));
  EXPECT_THAT(error_of(experiment("    - {name: g, type: global_max_pool}\n"
                                  "    - {name: unused, type: relu}\n"
                                  "    - {name: out, type: dense, units: num_classes, in: g}\n")),
              HasSubstr("layer 'unused' (relu): its output is not used by any later layer"));
}

// A failed layer that no later layer reads must not shift the shapes the later ones see (the
// planner once looked them up among the planned layers only: fuzz_experiment_config found the
// out-of-bounds read a duplicate name in the middle of a network caused).
TEST(GraphConfig, AFailedLayerInTheMiddleLeavesTheOthersPlanned) {
  const std::string msg =
      error_of(experiment("    - {name: c, type: conv2d, channels: 2, kernel: 3}\n"
                          "    - {name: c, type: relu}\n"
                          "    - {name: r, type: relu}\n"
                          "    - {name: g, type: global_max_pool}\n"
                          "    - {name: out, type: dense, units: num_classes}\n"));
  EXPECT_THAT(msg, HasSubstr("layer 'c' (relu): name: duplicate layer name"));
  EXPECT_THAT(msg, Not(HasSubstr("layer 'g'")));
  EXPECT_THAT(msg, Not(HasSubstr("layer 'out'")));
}

TEST(GraphConfig, ShapesThatDoNotFitNameTheLayer) {
  // An RNN on a [C, F, T] map.
  EXPECT_THAT(error_of(experiment("    - {name: r, type: gru, units: 8}\n"
                                  "    - {name: out, type: dense, units: num_classes}\n")),
              HasSubstr("net.yaml:11:7: layer 'r' (gru): needs a [time, features] sequence input "
                        "per clip, got [1, 40, 44] (a [channels, frequency, time] map: add a "
                        "to_sequence layer before it)"));
  // A pool larger than its input.
  EXPECT_THAT(error_of(experiment("    - {name: p, type: max_pool, size: [64, 2]}\n"
                                  "    - {name: g, type: global_max_pool}\n"
                                  "    - {name: out, type: dense, units: num_classes}\n")),
              HasSubstr("layer 'p' (max_pool): size: the window 64x2 is larger than the input "
                        "[1, 40, 44]"));
  // A concat of unequal shapes.
  EXPECT_THAT(
      error_of(experiment("    - {name: a, type: global_max_pool, in: input}\n"
                          "    - {name: s, type: to_sequence, in: input}\n"
                          "    - {name: both, type: concat, in: [a, s]}\n"
                          "    - {name: out, type: dense, units: num_classes}\n")),
      HasSubstr("layer 'both' (concat): in: 'a' gives [1] and 's' gives [44, 40]: all but axis "
                "-1 must agree"));
  // 'same' padding at stride 2.
  EXPECT_THAT(error_of(experiment("    - {name: c, type: conv2d, channels: 2, stride: 2}\n"
                                  "    - {name: g, type: global_max_pool}\n"
                                  "    - {name: out, type: dense, units: num_classes}\n")),
              HasSubstr("layer 'c' (conv2d): padding: 'same' needs stride 1"));
  // The classifier's output.
  EXPECT_THAT(error_of(experiment("    - {name: g, type: global_max_pool}\n"
                                  "    - {name: out, type: dense, units: 7}\n")),
              HasSubstr("layer 'out' (dense): the last layer is the classifier's output and must "
                        "give [num_classes] = [10] logits per clip, got [7]"));
}

TEST(GraphConfig, OverridesAddressLayersByName) {
  const config::ExperimentConfig c = experiment::parse(
      experiment(kSmallCnn), "net.yaml", {"model.layers.c1.channels=6", "model.layers.p1.size=4"});
  const auto plan = graph::plan_classifier(c);
  EXPECT_EQ(plan->layers[2].out, (Shape{6, 10, 11}));
  EXPECT_THAT(error_of(experiment(kSmallCnn), {"model.layers.c2.channels=6"}),
              HasSubstr("--set model.layers.c2.channels=6: model.layers has no layer named 'c2' "
                        "(did you mean 'c1'?)"));
  EXPECT_THAT(error_of(experiment(kSmallCnn), {"model.layers.c1.chanels=6"}),
              HasSubstr("--set model.layers.c1.chanels=6: layer 'c1' (conv2d): chanels: unknown "
                        "key for a conv2d layer (did you mean 'channels'?)"));
  EXPECT_THAT(error_of(experiment(kSmallCnn), {"model.layers.c1.channels=0"}),
              HasSubstr("--set model.layers.c1.channels=0: layer 'c1' (conv2d): channels: "
                        "expected an integer in [1, 65536], got \"0\""));
}

TEST(GraphConfig, ResolvedYamlRoundTrips) {
  const config::ExperimentConfig c = experiment::parse(experiment(kSmallCnn), "net.yaml");
  const std::string text = graph::to_yaml(c);
  EXPECT_THAT(text, HasSubstr("- {name: c1, type: conv2d, channels: 4, kernel: 3, stride: 1, "
                              "padding: same, dilation: 1, bias: true}"));
  const config::ExperimentConfig back = experiment::parse(text, "resolved.yaml");
  EXPECT_TRUE(graph::configs_equal(back, c));
  EXPECT_EQ(graph::to_yaml(back), text);
}

// ---- building and running ------------------------------------------------------------------

std::shared_ptr<const graph::GraphPlan> plan_of(const std::string& layers, const Shape& input,
                                                int classes) {
  config::ExperimentConfig c = experiment::parse(experiment(kSmallCnn), "net.yaml");
  c = experiment::parse(experiment(layers), "net.yaml");
  return graph::plan_graph(c.model.layers, input, classes);
}

TEST(GraphModel, ParametersAreNamedByLayerAndSeededByName) {
  const auto plan = plan_of(kSmallCnn, {1, 40, 44}, 10);
  graph::GraphModel m(plan, 5);
  std::vector<std::string> names;
  for (auto& [n, p] : m.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"c1.weight", "c1.bias", "out.weight", "out.bias"}));
  // A layer's initialisation depends on the seed and its name, not on its position.
  const auto plan2 =
      plan_of(std::string("    - {name: extra, type: relu}\n") + kSmallCnn, {1, 40, 44}, 10);
  graph::GraphModel m2(plan2, 5);
  EXPECT_EQ(m.named_parameters()[0].second->value().to_vector(),
            m2.named_parameters()[0].second->value().to_vector());
  graph::GraphModel m3(plan, 6);
  EXPECT_NE(m.named_parameters()[0].second->value().to_vector(),
            m3.named_parameters()[0].second->value().to_vector());
  const std::string summary = m.summary_text();
  EXPECT_THAT(summary, HasSubstr("c1"));
  EXPECT_THAT(summary, HasSubstr("[4, 40, 44]"));
  EXPECT_THAT(summary, HasSubstr("total parameters: " + std::to_string(m.num_parameters())));
}

TEST(GraphModel, ForwardGivesLogitsAndGradientsReachEveryParameter) {
  const auto plan = graph::plan_classifier(config::ExperimentConfig{});
  graph::GraphModel m(plan, 1);
  Var x(test::random_tensor({3, 1, 128, 130}, 2));
  Var logits = m.forward(x);
  EXPECT_EQ(logits.shape(), (Shape{3, 10}));
  Var loss =
      ops::softmax_cross_entropy(logits, Tensor::from_vector(std::vector<int32_t>{0, 1, 2}, {3}));
  loss.backward();
  for (auto& [n, p] : m.named_parameters()) EXPECT_TRUE(p->grad().defined()) << n;
  EXPECT_THROW(m.forward(Var(test::random_tensor({3, 1, 64, 130}, 2))), Error);
}

// The whole graph's input gradient by central differences (a small CRNN-like network).
TEST(GraphModel, GradientOfTheWholeNetworkMatchesFiniteDifferences) {
  const auto plan = plan_of(
      "    - {name: c1, type: conv2d, channels: 3, kernel: [3, 5]}\n"
      "    - {name: bn, type: batch_norm}\n"
      "    - {name: a1, type: leaky_relu, slope: 0.1}\n"
      "    - {name: seq, type: to_sequence}\n"
      "    - {name: r, type: gru, units: 4}\n"
      "    - {name: out, type: dense, units: num_classes}\n",
      {1, 5, 6}, 3);
  graph::GraphModel m(plan, 3);
  m.train();
  std::vector<Var> inputs = {Var(test::random_tensor({2, 1, 5, 6}, 4), true)};
  test::GradCheckOptions o;
  o.eps = 1e-2f;
  EXPECT_TRUE(
      test::grad_check([&](const std::vector<Var>& v) { return m.forward(v[0]); }, inputs, o));
}

}  // namespace
}  // namespace mgr
