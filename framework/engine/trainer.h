// The one training loop. What is trained and how one step and one evaluation go is a Task (a
// classifier today; a tree of classifiers and a GAN plug in the same way); the Trainer owns
// what every task shares: the shuffled batches, epochs or a fixed number of iterations, the
// learning-rate schedule, progress lines, the NaN stop, validation after each epoch, the best
// checkpoint, history.csv, early stopping on the validation accuracy, and the training state
// saved after every epoch from which a killed run resumes exactly. With train.accumulate K > 1 it
// also splits each batch into K micro-batches whose gradients the task sums before one step.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/engine/training_state.h"

namespace mgr::train {

struct StepResult {
  double loss_sum = 0;  // loss times the batch's clips
  int64_t correct = 0;  // clips predicted right (for the running accuracy)
  int64_t clips = 0;
};

struct ValidationResult {
  double loss = 0;
  double accuracy = 0;  // the selection metric of the best checkpoint and of early stopping
};

class Task {
 public:
  virtual ~Task() = default;
  virtual void set_training(bool on) = 0;
  virtual void set_lr(double lr) = 0;
  // The epoch's shuffled order, before its first step: the steps take its batches in turn (a
  // source reading from disk reads ahead along it).
  virtual void will_train_on(const std::vector<int>& /*order*/) {}
  // One optimiser step on the training examples `idx`.
  virtual StepResult train_step(const std::vector<int>& idx) = 0;
  // Micro-batches (train.accumulate > 1): in place of train_step the trainer calls begin_step(),
  // then accumulate_gradients() once per micro-batch, then finish_step() once for the batch
  // (gradient clipping and the optimiser step). A task that keeps these defaults cannot
  // accumulate, and the trainer refuses train.accumulate > 1 for it.
  virtual bool can_accumulate() const { return false; }
  virtual void begin_step() {}
  // Forward and backward on the micro-batch `idx` with its mean loss scaled by `weight` (its
  // share of the batch's clips), the gradients added to those of the micro-batches before it.
  // The StepResult is unscaled (loss times the micro-batch's clips). When its loss is not
  // finite the task may return before the backward pass: the trainer stops.
  virtual StepResult accumulate_gradients(const std::vector<int>& idx, double weight);
  virtual void finish_step() {}
  virtual ValidationResult validate() = 0;
  // Writes the current weights as the best checkpoint (and whatever the task keeps with them).
  virtual void save_best(int epoch, double validation_accuracy) = 0;
  // What a resumed run must restore beside the loop's own record: the modules trained and the
  // optimisers with their moments. Empty (the default): the task cannot save a training state.
  virtual StateParts state_parts() { return {}; }
  // The task's own record beside them (counters, histories a task keeps), saved with the state
  // at each epoch's end and handed back before a resumed run's first step.
  virtual nlohmann::json task_state() const { return nullptr; }
  virtual void restore_task_state(const nlohmann::json& /*state*/) {}
  // Non-empty: replaces the loss/accuracy figures of the progress lines (a GAN's two losses and
  // D(x), D(G(z))); asked after each logged step and after validate().
  virtual std::string progress_text() const { return {}; }
};

struct TrainLoopOptions {
  config::TrainConfig train;
  std::string history_csv;  // written per epoch; empty: not written
  std::string label;        // prefix of progress lines ("" or a tree node's name)
  bool quiet = false;
  uint64_t shuffle_seed = 1;
  // The training state file written (atomically) after every epoch; empty: none is written.
  std::string state_path;
  // Continue from `state_path` when it exists (the epochs it records are not run again, and
  // history.csv is rewritten from it); start afresh when it does not.
  bool resume = false;
};

struct TrainLoopResult {
  int best_epoch = 0;
  double best_validation_accuracy = -1;
  double best_validation_loss = 0;
  int epochs_run = 0;
  int64_t iterations_run = 0;
  bool stopped_early = false;
  double seconds = 0;            // training time, the interrupted runs' included
  int resumed_after_epoch = -1;  // the epoch a resume started after; -1: not resumed
  nlohmann::json history = nlohmann::json::array();
};

// The micro-batches of a batch of `clips` clips with train.accumulate `accumulate`: half-open
// [begin, end) ranges in order, min(accumulate, clips / 2) of them (at least one) so that each
// holds two clips or more (batch norm's variance, as the trainer's rule for a batch), their
// sizes differing by at most one (the first ones are the longer).
std::vector<std::pair<size_t, size_t>> micro_batches(size_t clips, int accumulate);

// Clips per evaluation batch (validation, test): batch_size / accumulate rounded up, the largest
// micro-batch, so that evaluating needs no more memory than a training step does (batch_size
// itself when accumulate is 1).
int evaluation_batch_size(const config::TrainConfig& t);

// The learning rate of the schedule in `t` at optimiser step `iteration` (0-based) of `total`.
double scheduled_lr(const config::TrainConfig& t, int64_t iteration, int64_t total,
                    int64_t iterations_per_epoch);

// Trains `task` on the examples `train_examples` (indices the task understands).
TrainLoopResult run_training(Task& task, const std::vector<int>& train_examples,
                             const TrainLoopOptions& opt);

}  // namespace mgr::train
