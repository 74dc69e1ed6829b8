// Micro-batches (train.accumulate): a batch split into K micro-batches whose gradients are summed
// before the one step trains the same weights, up to rounding, as the whole batch for a network
// without batch statistics (a CNN into a GRU, SGD with momentum, which unlike Adam does not hide a
// wrongly scaled gradient); a batch-norm network runs (its statistics are per micro-batch, so it
// is not the same step: docs/config.md); the key's rules, the GAN's refusal and the tree nodes'.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "framework/engine/classifier_task.h"
#include "framework/engine/trainer.h"
#include "framework/experiment/load.h"
#include "framework/graph/graph_model.h"
#include "framework/graph/model_check.h"
#include "framework/store/feature_source.h"
#include "tests/temp_dir.h"
#include "tests/test_util.h"

namespace mgr::train {
namespace {

using ::testing::HasSubstr;

TEST(MicroBatches, SplitEvenlyAndKeepTwoClipsEach) {
  using R = std::vector<std::pair<size_t, size_t>>;
  EXPECT_EQ(micro_batches(8, 1), (R{{0, 8}}));
  EXPECT_EQ(micro_batches(64, 8).size(), 8u);
  EXPECT_EQ(micro_batches(10, 3), (R{{0, 4}, {4, 7}, {7, 10}}));  // differ by at most one clip
  EXPECT_EQ(micro_batches(10, 2), (R{{0, 5}, {5, 10}}));
  EXPECT_EQ(micro_batches(5, 4), (R{{0, 3}, {3, 5}}));  // a short last batch: two clips each
  EXPECT_EQ(micro_batches(3, 4), (R{{0, 3}}));
  EXPECT_THAT(test::error_of([] { micro_batches(8, 0); }), HasSubstr("train.accumulate"));
  // Evaluation batches hold the largest micro-batch.
  config::TrainConfig t;
  t.batch_size = 64;
  EXPECT_EQ(evaluation_batch_size(t), 64);
  t.accumulate = 8;
  EXPECT_EQ(evaluation_batch_size(t), 8);
  t.batch_size = 10;
  t.accumulate = 3;
  EXPECT_EQ(evaluation_batch_size(t), 4);
}

// 1 x 16 mel bands x 22 frames per clip (0.5 s at 11025 Hz, hop 256).
std::string yaml(const std::string& layers, const std::string& train) {
  return "data: {sample_rate: 11025, clip_seconds: 0.5, clip_hop_seconds: 0.5}\n"
         "features: {n_fft: 512, hop_length: 256, n_mels: 16}\n"
         "seed: 3\n"
         "model:\n  layers:\n" +
         layers + "train: " + train + "\n";
}

const char* kNoBatchStatistics =
    "    - {name: conv, type: conv2d, channels: 4, kernel: 3, padding: same}\n"
    "    - {name: relu, type: relu}\n"
    "    - {name: pool, type: max_pool, size: [2, 2]}\n"
    "    - {name: seq, type: to_sequence}\n"
    "    - {name: rnn, type: gru, units: 8}\n"
    "    - {name: out, type: dense, units: num_classes}\n";

const char* kBatchNorm =
    "    - {name: conv, type: conv2d, channels: 4, kernel: 3, padding: same}\n"
    "    - {name: bn, type: batch_norm}\n"
    "    - {name: relu, type: relu}\n"
    "    - {name: g, type: global_avg_pool}\n"
    "    - {name: out, type: dense, units: num_classes}\n";

struct Trained {
  TrainLoopResult result;
  std::vector<std::vector<float>> weights;  // per parameter
};

// 47 random clips (37 train: batches of 10, 10, 10, 7; 10 validation), labels from the clip's
// mean so that there is something to learn; trained with train.accumulate `k`.
Trained train_with(const std::string& layers, const std::string& train, int k,
                   const std::string& dir) {
  const config::ExperimentConfig cfg = experiment::parse(yaml(layers, train), "accumulate.yaml",
                                                         {"train.accumulate=" + std::to_string(k)});
  const auto plan = graph::plan_classifier(cfg);
  Shape shape = plan->input;
  const int n = 47;
  shape.insert(shape.begin(), n);
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  std::vector<float> table(static_cast<size_t>(shape_numel(shape)));
  for (float& v : table) v = normal(rng);
  const size_t per_clip = table.size() / n;
  std::vector<int> labels(n), tracks(n), train_rows, validation_rows;
  for (int i = 0; i < n; ++i) {
    double mean = 0;
    for (size_t j = 0; j < per_clip; ++j) mean += table[static_cast<size_t>(i) * per_clip + j];
    labels[static_cast<size_t>(i)] = mean > 0 ? i % 5 : 5 + i % 5;
    tracks[static_cast<size_t>(i)] = i;
    (i < 37 ? train_rows : validation_rows).push_back(i);
  }
  const auto source = precomputed_source(Tensor::from_vector(table, shape));
  graph::GraphModel model(plan, cfg.seed);
  ClassifierTask task(model, *source, labels, tracks, validation_rows, cfg.train, dir + "/best.h5");
  TrainLoopOptions lo;
  lo.quiet = true;
  lo.train = cfg.train;
  lo.shuffle_seed = cfg.seed;
  Trained t;
  t.result = run_training(task, train_rows, lo);
  for (auto& [name, p] : model.named_parameters()) t.weights.push_back(p->value().to_vector());
  return t;
}

// Largest |a - b| / (1 + |b|) over every weight.
double max_weight_difference(const Trained& a, const Trained& b) {
  double worst = 0;
  EXPECT_EQ(a.weights.size(), b.weights.size());
  for (size_t p = 0; p < a.weights.size() && p < b.weights.size(); ++p) {
    EXPECT_EQ(a.weights[p].size(), b.weights[p].size());
    for (size_t i = 0; i < a.weights[p].size() && i < b.weights[p].size(); ++i)
      worst = std::max(worst, std::abs(double(a.weights[p][i]) - b.weights[p][i]) /
                                  (1.0 + std::abs(double(b.weights[p][i]))));
  }
  return worst;
}

TEST(Accumulate, MicroBatchesTrainTheWholeBatchesWeightsWithoutBatchStatistics) {
  test::TempDir tmp("accumulate_equal");
  const std::string sgd =
      "{optimizer: sgd, lr: 0.05, momentum: 0.9, batch_size: 10, epochs: 3, log_every: 1}";
  const Trained whole = train_with(kNoBatchStatistics, sgd, 1, tmp.path.string());
  // The training moved the weights well beyond the tolerance below.
  const Trained none =
      train_with(kNoBatchStatistics, "{optimizer: sgd, lr: 1e-30, batch_size: 10, epochs: 1}", 1,
                 tmp.path.string());
  EXPECT_GT(max_weight_difference(whole, none), 1e-2);
  for (int k : {2, 3}) {
    SCOPED_TRACE("accumulate " + std::to_string(k));
    const Trained micro = train_with(kNoBatchStatistics, sgd, k, tmp.path.string());
    EXPECT_LT(max_weight_difference(micro, whole), 1e-5);
    EXPECT_EQ(micro.result.iterations_run, whole.result.iterations_run);  // one step per batch
    ASSERT_EQ(micro.result.history.size(), whole.result.history.size());
    for (size_t e = 0; e < whole.result.history.size(); ++e) {
      const auto& m = micro.result.history[e];
      const auto& w = whole.result.history[e];
      EXPECT_EQ(m["iterations"], w["iterations"]);
      EXPECT_NEAR(m["train_loss"].get<double>(), w["train_loss"].get<double>(), 1e-5);
      EXPECT_NEAR(m["train_accuracy"].get<double>(), w["train_accuracy"].get<double>(), 1e-12);
      EXPECT_NEAR(m["validation_loss"].get<double>(), w["validation_loss"].get<double>(), 1e-5);
      EXPECT_NEAR(m["validation_accuracy"].get<double>(), w["validation_accuracy"].get<double>(),
                  1e-12);
    }
  }
}

// Adam with gradient clipping: the clipping sees the summed gradient, once per batch.
TEST(Accumulate, ClippingAndAdamSeeTheSummedGradient) {
  test::TempDir tmp("accumulate_adam");
  const std::string adam =
      "{optimizer: adam, lr: 0.01, clip_grad_norm: 0.05, batch_size: 10, epochs: 2}";
  const Trained whole = train_with(kNoBatchStatistics, adam, 1, tmp.path.string());
  const Trained micro = train_with(kNoBatchStatistics, adam, 3, tmp.path.string());
  EXPECT_LT(max_weight_difference(micro, whole), 1e-5);
}

// Batch norm normalises each micro-batch by its own mean and variance: the step differs from the
// whole batch's (documented, not compared); it trains.
TEST(Accumulate, BatchNormRunsWithPerMicroBatchStatistics) {
  test::TempDir tmp("accumulate_bn");
  const std::string sgd = "{optimizer: sgd, lr: 0.05, batch_size: 10, epochs: 2}";
  const Trained micro = train_with(kBatchNorm, sgd, 3, tmp.path.string());
  EXPECT_EQ(micro.result.epochs_run, 2);
  for (const auto& h : micro.result.history)
    EXPECT_TRUE(std::isfinite(h["train_loss"].get<double>()));
}

TEST(Accumulate, TheKeysRules) {
  const auto error = [](const std::string& train, const std::vector<std::string>& sets = {}) {
    return test::error_of(
        [&] { experiment::parse(yaml(kNoBatchStatistics, train), "a.yaml", sets); });
  };
  EXPECT_THAT(error("{batch_size: 8, accumulate: 0}"),
              HasSubstr("train.accumulate: expected an integer >= 1"));
  EXPECT_THAT(error("{batch_size: 8, accumulate: 5}"),
              HasSubstr("must be at most train.batch_size / 2 = 4"));
  EXPECT_NO_THROW(
      experiment::parse(yaml(kNoBatchStatistics, "{batch_size: 8, accumulate: 4}"), "a.yaml"));
  // A GAN refuses it at load; a tree node's own batch size is held to the rule.
  const std::string dir = std::string(MGR_SOURCE_DIR) + "/experiments/";
  EXPECT_THAT(
      test::error_of([&] { experiment::load(dir + "dcgan_mel.yaml", {"train.accumulate=2"}); }),
      HasSubstr("must be 1 for model.type gan"));
  EXPECT_NO_THROW(experiment::load(dir + "hierarchical.yaml", {"train.accumulate=2"}));
  const experiment::Experiment tree = experiment::load(dir + "hierarchical.yaml");
  const std::string root = tree.cfg.model.tree.at(0).name;
  EXPECT_THAT(test::error_of([&] {
                experiment::load(
                    dir + "hierarchical.yaml",
                    {"train.accumulate=4", "model.tree." + root + ".train.batch_size=6"});
              }),
              HasSubstr("model.tree node '" + root +
                        "': train.accumulate: must be at most "
                        "train.batch_size / 2 = 3"));
}

// A task without micro-batch support is refused by the trainer.
TEST(Accumulate, ATaskThatCannotAccumulateIsRefused) {
  struct Plain : Task {
    void set_training(bool) override {}
    void set_lr(double) override {}
    StepResult train_step(const std::vector<int>& idx) override {
      return {0.0, 0, static_cast<int64_t>(idx.size())};
    }
    ValidationResult validate() override { return {}; }
    void save_best(int, double) override {}
  } task;
  TrainLoopOptions lo;
  lo.quiet = true;
  lo.train.batch_size = 4;
  lo.train.accumulate = 2;
  EXPECT_THAT(test::error_of([&] {
                run_training(task, {0, 1, 2, 3, 4, 5}, lo);
              }),
              HasSubstr("cannot split a batch into micro-batches"));
}

}  // namespace
}  // namespace mgr::train
