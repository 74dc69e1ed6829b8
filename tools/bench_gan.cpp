// Prints the time of one GAN training step (a discriminator step on a real and a generated batch,
// then a generator step through the discriminator: GanTask::train_step, the code run_experiment
// trains with) for the GAN of each experiment YAML given, at its batch size (or --batch), on the
// CPU and, when present, on CUDA. The "real" batch is random dB in the features' range.
// scripts/bench/torch_dcgan.py times the same DCGAN in PyTorch (scripts/bench/run_gan_benchmark.sh
// runs both in one invocation).
#include <fmt/format.h>

#include <filesystem>
#include <numeric>
#include <random>

#include "framework/graph/model_check.h"
#include "framework/tasks/gan/gan_kind.h"
#include "framework/tasks/gan/gan_task.h"
#include "tools/bench_training_driver.h"

namespace {

using namespace mgr;

void time_experiment(const std::string&, const experiment::Experiment& e, Device device, int batch,
                     int warmup, int steps) {
  const config::ExperimentConfig& cfg = e.cfg;
  const tasks::GanPlan& plan = tasks::plan_as<tasks::GanPlan>(*e.task.plan);
  gan::GanModels m = gan::build_gan(cfg, plan.generator, plan.discriminator, device);
  const Shape clip = graph::model_input_shape(cfg);
  Shape xs{batch};
  xs.insert(xs.end(), clip.begin(), clip.end());
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> ud(-float(cfg.features.top_db), 0.f);
  std::vector<float> xv(static_cast<size_t>(shape_numel(xs)));
  for (float& v : xv) v = ud(rng);
  auto source = train::precomputed_source(Tensor::from_vector(xv, xs, device));
  std::vector<int> labels(static_cast<size_t>(batch)), idx(static_cast<size_t>(batch));
  for (int i = 0; i < batch; ++i) labels[size_t(i)] = i % graph::model_num_classes(cfg);
  std::iota(idx.begin(), idx.end(), 0);
  gan::GanTaskOptions to;
  to.run_dir = (std::filesystem::temp_directory_path() / "mgr_bench_gan").string();
  to.quiet = true;
  gan::GanTask task(m, *source, labels, cfg, to);
  task.set_training(true);
  // train_step reads both losses back: it syncs, as training does.
  const double secs = bench::time_steps(device, warmup, steps, [&] { task.train_step(idx); });
  fmt::print(
      "mgr   {:<24} {:<7} batch {:>3} G params {:>8} D params {:>8}: {:.3f} s/step, "
      "{:.1f} clips/s ({})\n",
      cfg.name, device.str(), batch, m.generator->num_parameters(),
      m.discriminator->num_parameters(), secs / steps, batch * steps / secs, task.progress_text());
}

}  // namespace

int main(int argc, char** argv) {
  return bench::run_training_benchmarks(
      argc, argv, "Training step time of GAN experiments (D step + G step)", "bench_gan",
      {.warmup = 1, .steps = 3, .gpu_steps = 30},
      [](const experiment::Experiment& e) {
        return e.task.kind == &tasks::gan_kind()
                   ? std::string()
                   : "model.type " + e.cfg.model.type + " is not a GAN, skipped";
      },
      time_experiment);
}
