#include "framework/tasks/gan/gan_task.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "framework/engine/checkpoint.h"
#include "framework/engine/classifier_task.h"
#include "framework/ops/loss.h"
#include "framework/ops/shape_ops.h"
#include "framework/store/atomic_write.h"
#include "framework/tasks/gan/spectrogram_png.h"
#include "framework/tensor/index.h"
#include "kernels/error.h"

namespace mgr::gan {

namespace fs = std::filesystem;

namespace {

double mean_sigmoid(const Tensor& logits) {
  const std::vector<float> v = logits.to_vector();
  double s = 0;
  for (float x : v) s += 1.0 / (1.0 + std::exp(-double(x)));
  return v.empty() ? 0.0 : s / double(v.size());
}

}  // namespace

void GanFigures::add(const GanFigures& s) {
  d_loss += s.d_loss;
  g_loss += s.g_loss;
  d_real += s.d_real;
  d_fake += s.d_fake;
  d_fake_after += s.d_fake_after;
  steps += s.steps;
}

GanFigures GanFigures::mean() const {
  if (steps == 0) return *this;
  const double n = double(steps);
  return {d_loss / n, g_loss / n, d_real / n, d_fake / n, d_fake_after / n, 1};
}

GanTask::GanTask(GanModels& models, train::FeatureSource& source, std::vector<int> labels,
                 const config::ExperimentConfig& cfg, GanTaskOptions opt)
    : m_(models),
      source_(source),
      labels_(std::move(labels)),
      cfg_(cfg),
      opt_(std::move(opt)),
      scaling_(mel_scaling(cfg)),
      conditional_(cfg.model.gan.conditional),
      opt_g_(train::make_optimizer(cfg.train, models.generator->parameters())),
      opt_d_(train::make_optimizer(cfg.train, models.discriminator->parameters())),
      z_seed_(cfg.seed * 0x9E3779B97F4A7C15ULL + 0x6A) {
  classes_ = conditional_ ? static_cast<int>(models.generator->plan().condition.at(0)) : 0;
  fs::create_directories(fs::path(opt_.run_dir) / "samples");
}

void GanTask::set_training(bool on) {
  m_.generator->train(on);
  m_.discriminator->train(on);
}

void GanTask::set_lr(double lr) {
  opt_g_->set_lr(static_cast<float>(lr));
  opt_d_->set_lr(static_cast<float>(lr));
}

Tensor GanTask::real_batch(const std::vector<int>& idx) {
  Tensor x = source_.batch(idx);
  // With features.normalize none the source hands out dB in [-top_db, 0]; the batch is a fresh
  // gather, so scaling it in place leaves the table alone.
  affine_(x, scaling_.to_unit_scale(), 1.f);
  return x;
}

GanFigures GanTask::step(const std::vector<int>& idx, bool update) {
  const Tensor real = real_batch(idx);
  const Device dev = real.device();
  const int64_t b = static_cast<int64_t>(idx.size());
  Var cond;
  if (conditional_) {
    std::vector<int> y;
    for (int i : idx) y.push_back(labels_[static_cast<size_t>(i)]);
    cond = Var(one_hot(y, classes_, dev));
  }
  const Tensor ones = Tensor::full({b, 1}, static_cast<float>(cfg_.model.gan.real_label), dev);
  const Tensor ones_g = Tensor::full({b, 1}, 1.f, dev);
  const Tensor zeros = Tensor::zeros({b, 1}, DType::F32, dev);
  const Tensor z = sample_latent(b, cfg_.model.gan.latent, z_seed_++, dev);
  GanFigures f;
  f.steps = 1;
  std::unique_ptr<NoGradGuard> no_grad;
  if (!update) no_grad = std::make_unique<NoGradGuard>();

  // Discriminator: maximise log D(x) + log(1 - D(G(z))), i.e. minimise the two BCEs. The fake
  // batch enters as a constant (fake.detach() in PyTorch) so this step leaves G alone.
  const Var fake = m_.generator->forward(Var(z), cond);
  const Var d_real = m_.discriminator->forward(Var(real), cond);
  const Var d_fake = m_.discriminator->forward(Var(fake.value()), cond);
  const Var loss_d =
      ops::add(ops::bce_with_logits(d_real, ones), ops::bce_with_logits(d_fake, zeros));
  f.d_loss = loss_d.value().item();
  f.d_real = mean_sigmoid(d_real.value());
  f.d_fake = mean_sigmoid(d_fake.value());
  if (update) {
    opt_d_->zero_grad();
    loss_d.backward();
    opt_d_->step();
  }

  // Generator: non-saturating -log D(G(z)) (BCE against 1), or minimax log(1 - D(G(z)))
  // (minus the BCE against 0), through the discriminator as it is after its step.
  const Var d_gen = m_.discriminator->forward(fake, cond);
  const bool minimax = cfg_.model.gan.generator_loss == "minimax";
  const Var loss_g = ops::bce_with_logits(d_gen, minimax ? zeros : ones_g);
  f.g_loss = minimax ? -double(loss_g.value().item()) : double(loss_g.value().item());
  f.d_fake_after = mean_sigmoid(d_gen.value());
  if (!std::isfinite(f.d_loss) || !std::isfinite(f.g_loss))
    MGR_FAIL(fmt::format(
        "GAN training collapsed: the {} loss became {} at epoch {}, step {} (D loss {:.4g}, G "
        "loss {:.4g}, D(x) {:.3f}, D(G(z)) {:.3f}); try a lower train.lr, one-sided label "
        "smoothing (model.gan.real_label: 0.9) or batch norm in the discriminator",
        std::isfinite(f.d_loss) ? "generator" : "discriminator",
        std::isfinite(f.d_loss) ? f.g_loss : f.d_loss, epoch_, step_in_epoch_ + 1, f.d_loss,
        f.g_loss, f.d_real, f.d_fake));
  if (update) {
    opt_g_->zero_grad();
    // D's parameters collect gradients here too; its next zero_grad() clears them.
    if (minimax)
      loss_g.backward(Tensor::full({1}, -1.f, dev));
    else
      loss_g.backward();
    opt_g_->step();
  }
  return f;
}

train::StepResult GanTask::train_step(const std::vector<int>& idx) {
  if (validated_) {  // the trainer validates at the end of each epoch
    ++epoch_;
    step_in_epoch_ = 0;
    epoch_figures_ = {};
    validated_ = false;
  }
  const GanFigures f = step(idx, true);
  ++step_in_epoch_;
  ++iteration_;
  epoch_figures_.add(f);
  step_losses_.push_back({double(iteration_), f.d_loss, f.g_loss});
  train::StepResult r;
  r.clips = static_cast<int64_t>(idx.size());
  r.loss_sum = (f.d_loss + f.g_loss) * double(r.clips);
  return r;
}

train::ValidationResult GanTask::validate() {
  validation_figures_ = {};
  const int bs = cfg_.train.batch_size;
  const std::vector<int>& rows = opt_.validation_rows;
  for (size_t start = 0; start + 2 <= rows.size(); start += static_cast<size_t>(bs)) {
    const size_t end = std::min(rows.size(), start + static_cast<size_t>(bs));
    if (end - start < 2) break;
    validation_figures_.add(
        step(std::vector<int>(rows.begin() + long(start), rows.begin() + long(end)), false));
  }
  validated_ = true;
  const GanFigures t = epoch_figures_.mean(), v = validation_figures_.mean();
  history_.push_back({{"epoch", epoch_},
                      {"iterations", iteration_},
                      {"d_loss", t.d_loss},
                      {"g_loss", t.g_loss},
                      {"d_real", t.d_real},
                      {"d_fake", t.d_fake},
                      {"d_fake_after", t.d_fake_after},
                      {"validation_d_loss", v.d_loss},
                      {"validation_g_loss", v.g_loss},
                      {"validation_d_real", v.d_real},
                      {"validation_d_fake", v.d_fake}});
  // The latest networks: a GAN has no selection metric, so the run keeps the last epoch's.
  const fs::path dir(opt_.run_dir);
  train::save_checkpoint((dir / "generator.h5").string(), *m_.generator, {epoch_, 0.0});
  train::save_checkpoint((dir / "discriminator.h5").string(), *m_.discriminator, {epoch_, 0.0});
  if (epoch_ % cfg_.model.gan.sample_every == 0 || epoch_ == opt_.total_epochs)
    write_sample_grid(epoch_);
  const int every = cfg_.model.gan.quality_every;
  if (opt_.measure_quality && every > 0 && (epoch_ % every == 0 || epoch_ == opt_.total_epochs)) {
    // Measured after the checkpoint: an epoch killed here is trained and measured again, to
    // the same numbers (the measurement has its own seed and leaves the networks as they were).
    nlohmann::json q = opt_.measure_quality();
    fs::create_directories(dir / "quality");
    train::write_file_atomically(
        (dir / "quality" / fmt::format("epoch_{:03d}.json", epoch_)).string(),
        q.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    quality_.push_back({{"epoch", epoch_}, {"quality", std::move(q)}});
  }
  // The trainer keeps the "best" by accuracy, then loss: the same accuracy every epoch and
  // the validation D loss would pick an arbitrary epoch, so every epoch reports 0 and the
  // task's own checkpoints above are what the run keeps.
  return {v.d_loss, 0.0};
}

void GanTask::save_best(int, double) {}  // see validate(): the latest epoch is kept

std::string GanTask::progress_text() const {
  const bool epoch_done = validated_;
  const GanFigures t = epoch_figures_.mean();
  std::string s = fmt::format("D {:.4f} G {:.4f} D(x) {:.3f} D(G(z)) {:.3f}/{:.3f}", t.d_loss,
                              t.g_loss, t.d_real, t.d_fake, t.d_fake_after);
  if (epoch_done) {
    const GanFigures v = validation_figures_.mean();
    s += fmt::format(" | val D {:.4f} G {:.4f} D(x) {:.3f} D(G(z)) {:.3f}", v.d_loss, v.g_loss,
                     v.d_real, v.d_fake);
  }
  return s;
}

void GanTask::write_sample_grid(int epoch) {
  const Shape clip = m_.generator->plan().output();  // [1, bands, frames]
  const int bands = static_cast<int>(clip.at(1)), frames = static_cast<int>(clip.at(2));
  const int cols = cfg_.model.gan.grid_columns;
  // Conditional: one row per genre (its real validation clips, then generated ones of it);
  // unconditional: four rows of real clips beside generated ones.
  const int rows = conditional_ ? classes_ : 4;
  std::vector<int> genres;
  std::vector<std::vector<int>> real_rows(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    for (int i : opt_.validation_rows) {
      if (static_cast<int>(real_rows[size_t(r)].size()) == cols) break;
      if (!conditional_ || labels_[static_cast<size_t>(i)] == r) real_rows[size_t(r)].push_back(i);
    }
    if (!conditional_) {
      // Different real clips on each row.
      real_rows[size_t(r)].clear();
      for (int k = 0; k < cols; ++k) {
        const size_t at = size_t(r) * size_t(cols) + size_t(k);
        if (at < opt_.validation_rows.size())
          real_rows[size_t(r)].push_back(opt_.validation_rows[at]);
      }
    }
    for (int k = 0; k < cols; ++k) genres.push_back(r);
  }
  // The same latent vectors every time, so the grids of successive epochs compare.
  const Tensor fake = generate(*m_.generator, cfg_, int64_t(rows) * cols,
                               conditional_ ? genres : std::vector<int>{}, cfg_.seed + 12345);
  const std::vector<float> fv = fake.to_vector();
  const size_t per = size_t(bands) * frames;
  std::vector<Tile> tiles;
  for (int r = 0; r < rows; ++r) {
    std::vector<float> rv;
    if (!real_rows[size_t(r)].empty()) rv = real_batch(real_rows[size_t(r)]).to_vector();
    for (int k = 0; k < cols; ++k) {
      Tile t;
      if (size_t(k + 1) * per <= rv.size())
        t.values.assign(rv.begin() + long(size_t(k) * per), rv.begin() + long(size_t(k + 1) * per));
      tiles.push_back(std::move(t));
    }
    tiles.push_back(Tile{});  // the gap between real and generated
    for (int k = 0; k < cols; ++k) {
      const size_t at = (size_t(r) * cols + k) * per;
      tiles.push_back(Tile{std::vector<float>(fv.begin() + long(at), fv.begin() + long(at + per))});
    }
  }
  const std::string path =
      (fs::path(opt_.run_dir) / "samples" / fmt::format("epoch_{:03d}.png", epoch)).string();
  write_tile_grid_png(path, tiles, 2 * cols + 1, bands, frames);
  grids_.push_back(path);
}

train::StateParts GanTask::state_parts() {
  return {{{"generator", m_.generator.get()}, {"discriminator", m_.discriminator.get()}},
          {{"generator_optimizer", opt_g_.get()}, {"discriminator_optimizer", opt_d_.get()}}};
}

nlohmann::json GanTask::task_state() const {
  return {
      {"z_seed", z_seed_},           {"epoch", epoch_},         {"step_in_epoch", step_in_epoch_},
      {"iteration", iteration_},     {"validated", validated_}, {"history", history_},
      {"step_losses", step_losses_}, {"grids", grids_},         {"quality", quality_}};
}

void GanTask::restore_task_state(const nlohmann::json& state) {
  z_seed_ = state.at("z_seed").get<uint64_t>();
  epoch_ = state.at("epoch").get<int>();
  step_in_epoch_ = state.at("step_in_epoch").get<int64_t>();
  iteration_ = state.at("iteration").get<int64_t>();
  validated_ = state.at("validated").get<bool>();
  history_ = state.at("history");
  step_losses_ = state.at("step_losses").get<std::vector<std::array<double, 3>>>();
  grids_ = state.at("grids").get<std::vector<std::string>>();
  // (A state written before measurements during training existed has none.)
  quality_ = state.value("quality", nlohmann::json::array());
}

}  // namespace mgr::gan
