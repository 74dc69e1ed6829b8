// The classifier task: one network (a GraphModel), one optimiser, softmax cross-entropy on
// per-example labels. Used for a flat experiment (labels = genres) and, later, for each node of
// a tree of classifiers (labels = the child under the node, examples = the clips below it).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framework/engine/trainer.h"
#include "framework/features/augment.h"
#include "framework/graph/graph_model.h"
#include "framework/optim/optimizer.h"
#include "framework/store/feature_source.h"

namespace mgr::train {

// What one pass of a model over some examples gives: per example its label, its track and the
// softmax row, plus the mean loss.
struct Predictions {
  double loss = 0;
  std::vector<int> truth, pred, tracks;
  std::vector<float> probs;  // rows of num_classes
  int num_classes = 0;
};

// Runs `model` in evaluation mode over `examples` in batches of `batch_size`. `labels[i]` and
// `tracks[i]` belong to feature row i.
Predictions predict(graph::GraphModel& model, FeatureSource& source,
                    const std::vector<int>& examples, const std::vector<int>& labels,
                    const std::vector<int>& tracks, int batch_size);

// The optimiser train.optimizer names, over `params`.
std::unique_ptr<optim::Optimizer> make_optimizer(const config::TrainConfig& t,
                                                 std::vector<Var*> params);

class ClassifierTask : public Task {
 public:
  // `labels` and `tracks` are indexed by feature row (clip index); `validation` are the rows
  // validated on; the best checkpoint goes to `checkpoint_path`. train.augment is applied to
  // the training batches with a generator seeded from `seed` (its state joins the training
  // state); `sample_rate` is the audio's, for time shifts in seconds.
  ClassifierTask(graph::GraphModel& model, FeatureSource& source, std::vector<int> labels,
                 std::vector<int> tracks, std::vector<int> validation,
                 const config::TrainConfig& train, std::string checkpoint_path, uint64_t seed = 1,
                 int sample_rate = 22050);

  void set_training(bool on) override;
  void set_lr(double lr) override;
  void will_train_on(const std::vector<int>& order) override;
  // begin_step, accumulate_gradients on the whole batch with weight 1, finish_step.
  StepResult train_step(const std::vector<int>& idx) override;
  bool can_accumulate() const override { return true; }
  void begin_step() override;
  StepResult accumulate_gradients(const std::vector<int>& idx, double weight) override;
  void finish_step() override;
  ValidationResult validate() override;
  void save_best(int epoch, double validation_accuracy) override;
  StateParts state_parts() override;
  nlohmann::json task_state() const override;
  void restore_task_state(const nlohmann::json& state) override;

  const std::vector<int>& labels() const { return labels_; }
  const std::vector<int>& tracks() const { return tracks_; }

 private:
  graph::GraphModel& model_;
  FeatureSource& source_;
  std::vector<int> labels_, tracks_, validation_;
  config::TrainConfig train_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::string checkpoint_;
  int num_classes_;
  features::Augmenter augment_;
};

}  // namespace mgr::train
