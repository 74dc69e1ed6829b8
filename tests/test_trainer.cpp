// The one training loop, driven by a scripted task: epochs or iterations, the learning-rate
// schedule it hands the task, the best checkpoint, early stopping, the NaN stop, history. And
// every experiment in experiments/ loads and plans its network from the YAML alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <vector>

#include "framework/config/field_table.h"
#include "framework/config/yaml_config.h"
#include "framework/engine/trainer.h"
#include "framework/experiment/experiment.h"
#include "framework/experiment/load.h"
#include "framework/graph/model_check.h"
#include "framework/graph/resolved_config.h"
#include "framework/tasks/task_kind.h"

namespace mgr::train {
namespace {

using ::testing::HasSubstr;

// Records what the trainer asks; validation accuracies come from a script.
class ScriptedTask : public Task {
 public:
  explicit ScriptedTask(std::vector<double> val_acc) : val_acc_(std::move(val_acc)) {}
  void set_training(bool on) override { training_ = on; }
  void set_lr(double lr) override { lrs.push_back(lr); }
  StepResult train_step(const std::vector<int>& idx) override {
    EXPECT_TRUE(training_);
    batches.push_back(idx);
    StepResult r;
    r.clips = static_cast<int64_t>(idx.size());
    r.loss_sum = nan_at_step == static_cast<int>(batches.size())
                     ? std::numeric_limits<double>::quiet_NaN()
                     : 0.5 * r.clips;
    r.correct = r.clips / 2;
    return r;
  }
  ValidationResult validate() override {
    EXPECT_FALSE(training_);
    const double a = val_acc_.at(std::min(validations++, val_acc_.size() - 1));
    return {1.0 - a, a};
  }
  void save_best(int epoch, double acc) override { saved.emplace_back(epoch, acc); }

  std::vector<double> lrs;
  std::vector<std::vector<int>> batches;
  std::vector<std::pair<int, double>> saved;
  size_t validations = 0;
  int nan_at_step = -1;

 private:
  std::vector<double> val_acc_;
  bool training_ = false;
};

std::vector<int> examples(int n) {
  std::vector<int> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

TrainLoopOptions options(int epochs, int batch) {
  TrainLoopOptions o;
  o.quiet = true;
  o.train.epochs = epochs;
  o.train.batch_size = batch;
  return o;
}

TEST(Trainer, EpochsBatchesAndTheBestCheckpoint) {
  ScriptedTask task({0.3, 0.5, 0.4});
  const TrainLoopResult r = run_training(task, examples(10), options(3, 4));
  EXPECT_EQ(r.epochs_run, 3);
  EXPECT_EQ(r.iterations_run, 9);  // 3 batches of 4, 4, 2 per epoch
  ASSERT_EQ(task.batches.size(), 9u);
  std::vector<int> seen;
  for (int b = 0; b < 3; ++b)
    seen.insert(seen.end(), task.batches[b].begin(), task.batches[b].end());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, examples(10)) << "each epoch visits every example once";
  EXPECT_EQ(task.saved, (std::vector<std::pair<int, double>>{{1, 0.3}, {2, 0.5}}));
  EXPECT_EQ(r.best_epoch, 2);
  EXPECT_DOUBLE_EQ(r.best_validation_accuracy, 0.5);
  EXPECT_EQ(r.history.size(), 3u);
  EXPECT_FALSE(r.stopped_early);
}

TEST(Trainer, IterationsStopMidEpochAndValidateAtTheEnd) {
  ScriptedTask task({0.1});
  TrainLoopOptions o = options(1, 5);
  o.train.iterations = 7;  // 2 batches per epoch of 10: epochs 1-3, the last one partial
  const TrainLoopResult r = run_training(task, examples(10), o);
  EXPECT_EQ(r.iterations_run, 7);
  EXPECT_EQ(task.batches.size(), 7u);
  EXPECT_EQ(r.epochs_run, 4);
  EXPECT_EQ(task.validations, 4u);
}

TEST(Trainer, ScheduleIsEvaluatedPerIteration) {
  ScriptedTask task({0.1});
  TrainLoopOptions o = options(2, 5);  // 2 iterations per epoch, 4 in all
  o.train.lr = 0.4;
  o.train.lr_schedule = "linear";
  run_training(task, examples(10), o);
  const std::vector<double> linear = {0.4, 0.3, 0.2, 0.1};
  ASSERT_EQ(task.lrs.size(), linear.size());
  for (size_t i = 0; i < linear.size(); ++i) EXPECT_NEAR(task.lrs[i], linear[i], 1e-12);
  ScriptedTask step_task({0.1});
  o.train.lr_schedule = "step";
  o.train.lr_step_every = 1;
  o.train.lr_step_unit = "epoch";
  o.train.lr_gamma = 0.5;
  run_training(step_task, examples(10), o);
  const std::vector<double> step = {0.4, 0.4, 0.2, 0.2};
  ASSERT_EQ(step_task.lrs.size(), step.size());
  for (size_t i = 0; i < step.size(); ++i) EXPECT_NEAR(step_task.lrs[i], step[i], 1e-12);
  EXPECT_DOUBLE_EQ(scheduled_lr(o.train, 5, 10, 2), 0.4 * 0.25);
}

TEST(Trainer, EarlyStoppingKeepsTheBestCheckpoint) {
  ScriptedTask task({0.2, 0.6, 0.5, 0.55, 0.6, 0.9});
  TrainLoopOptions o = options(10, 5);
  o.train.early_stopping_patience = 3;
  const TrainLoopResult r = run_training(task, examples(10), o);
  EXPECT_TRUE(r.stopped_early);
  EXPECT_EQ(r.epochs_run, 5);  // epochs 3, 4, 5 brought nothing better than epoch 2
  EXPECT_EQ(r.best_epoch, 2);
  EXPECT_EQ(task.saved.back(), (std::pair<int, double>{2, 0.6}));
}

TEST(Trainer, NonFiniteLossStopsWithAMessage) {
  ScriptedTask task({0.1});
  task.nan_at_step = 3;
  try {
    run_training(task, examples(20), options(2, 4));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("training stopped: the loss became nan at epoch "
                                                 "1, step 3"));
  }
}

TEST(Experiments, EveryYamlLoadsAndPlansItsNetwork) {
  int n = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(MGR_SOURCE_DIR) + "/experiments")) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    const experiment::Experiment x = experiment::load(e.path().string());
    const config::ExperimentConfig& c = x.cfg;
    // Every kind that trains a classifier network (a tree's template as the flat baseline).
    if (const auto network = x.task.kind->network) {
      EXPECT_EQ(network(*x.task.plan)->output(), (Shape{10}));
    }
    EXPECT_FALSE(model_summary(x).empty());
    EXPECT_FALSE(c.paper.empty());
    // The resolved config written into every run directory reads back to the same config.
    EXPECT_TRUE(graph::configs_equal(c, experiment::parse(graph::to_yaml(c), "resolved")))
        << graph::to_yaml(c);
    ++n;
  }
  EXPECT_GE(n, 14);
}

}  // namespace
}  // namespace mgr::train
