// The GAN task on the common trainer (framework/engine/trainer.h): one train_step is one
// discriminator step and one generator step (Goodfellow et al. 2014, Algorithm 1 with k = 1, as
// the DCGAN paper and the PyTorch DCGAN tutorial), each network with its own optimiser
// (train.* for both). validate() ends an epoch: losses on the validation clips, the generator
// checkpoint, the history, every model.gan.sample_every epochs a sample grid and, every
// model.gan.quality_every epochs, the generator's quality.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/engine/trainer.h"
#include "framework/optim/optimizer.h"
#include "framework/store/feature_source.h"
#include "framework/tasks/gan/gan_models.h"

namespace mgr::gan {

// Running means over the steps of one epoch (or one validation pass).
struct GanFigures {
  double d_loss = 0, g_loss = 0;
  double d_real = 0;        // D(x): mean sigmoid of the discriminator on real clips
  double d_fake = 0;        // D(G(z)) before the discriminator's step
  double d_fake_after = 0;  // D(G(z)) in the generator's step (after the discriminator's)
  int64_t steps = 0;
  void add(const GanFigures& s);
  GanFigures mean() const;
};

struct GanTaskOptions {
  std::string run_dir;               // generator.h5, discriminator.h5, samples/, history
  std::vector<int> validation_rows;  // clips for validation losses and the real grid tiles
  int total_epochs = 1;              // the last epoch always writes a sample grid
  bool quiet = false;
  // When set: measures the current generator (gan_quality.h) at the end of every
  // model.gan.quality_every-th epoch and of the last; the result is kept per epoch.
  std::function<nlohmann::json()> measure_quality;
};

class GanTask : public train::Task {
 public:
  // `labels` per feature row (the genre: the condition of a conditional model).
  GanTask(GanModels& models, train::FeatureSource& source, std::vector<int> labels,
          const config::ExperimentConfig& cfg, GanTaskOptions opt);

  void set_training(bool on) override;
  void set_lr(double lr) override;
  train::StepResult train_step(const std::vector<int>& idx) override;
  train::ValidationResult validate() override;
  void save_best(int epoch, double validation_accuracy) override;
  std::string progress_text() const override;
  // Resume: both networks and both optimisers; the latent seed, epoch and step counters, the
  // history, the per-step losses and the sample grids written so far.
  train::StateParts state_parts() override;
  nlohmann::json task_state() const override;
  void restore_task_state(const nlohmann::json& state) override;

  // Per epoch: {epoch, d_loss, g_loss, d_real, d_fake, d_fake_after, validation d_loss / d_real
  // / d_fake}; per step: [iteration, d_loss, g_loss].
  const nlohmann::json& history() const { return history_; }
  const std::vector<std::array<double, 3>>& step_losses() const { return step_losses_; }
  const std::vector<std::string>& sample_grids() const { return grids_; }
  // The measurements taken while training: {epoch, quality (measure_quality's document)}, in
  // epoch order (also quality/epoch_NNN.json).
  const nlohmann::json& quality_by_epoch() const { return quality_; }

  // The clips' features scaled to [-1, 1] (dB / (top_db / 2) + 1), on the source's device.
  Tensor real_batch(const std::vector<int>& idx);

 private:
  // One D and one G step; with `update` false only the figures (validation).
  GanFigures step(const std::vector<int>& idx, bool update);
  void write_sample_grid(int epoch);

  GanModels& m_;
  train::FeatureSource& source_;
  std::vector<int> labels_;
  config::ExperimentConfig cfg_;
  GanTaskOptions opt_;
  MelScaling scaling_;
  int classes_ = 0;
  bool conditional_ = false;
  std::unique_ptr<optim::Optimizer> opt_g_, opt_d_;
  uint64_t z_seed_ = 0;
  int epoch_ = 1;
  int64_t step_in_epoch_ = 0, iteration_ = 0;
  GanFigures epoch_figures_, validation_figures_;
  bool validated_ = false;
  nlohmann::json history_ = nlohmann::json::array();
  std::vector<std::array<double, 3>> step_losses_;
  std::vector<std::string> grids_;
  nlohmann::json quality_ = nlohmann::json::array();
};

}  // namespace mgr::gan
