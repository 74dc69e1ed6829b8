// Prints the time of one GAN training step (a discriminator step on a real and a generated batch,
// then a generator step through the discriminator: GanTask::train_step, the code run_experiment
// trains with) for the GAN of each experiment YAML given, at its batch size (or --batch), on the
// CPU and, when present, on CUDA. The "real" batch is random dB in the features' range.
// scripts/bench/torch_dcgan.py times the same DCGAN in PyTorch (scripts/bench/run_gan_benchmark.sh
// runs both in one invocation).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <random>

#include "framework/config/yaml_config.h"
#include "framework/gan/gan_task.h"
#include "framework/graph/model_check.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#endif

namespace {

using namespace mgr;

void sync(Device d) {
#if MGR_WITH_CUDA
  if (d.is_cuda()) cuda::synchronize(d.index);
#else
  (void)d;
#endif
}

void bench(const config::ExperimentConfig& cfg, Device device, int batch, int warmup, int steps) {
  gan::GanModels m = gan::build_gan(cfg, device);
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
  for (int i = 0; i < warmup; ++i) task.train_step(idx);
  sync(device);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) task.train_step(idx);  // reads both losses back: syncs
  sync(device);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(
      "mgr   {:<24} {:<7} batch {:>3} G params {:>8} D params {:>8}: {:.3f} s/step, "
      "{:.1f} clips/s ({})\n",
      cfg.name, device.str(), batch, m.generator->num_parameters(),
      m.discriminator->num_parameters(), secs / steps, batch * steps / secs, task.progress_text());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Training step time of GAN experiments (D step + G step)"};
  std::vector<std::string> files;
  int batch = 0, warmup = 1, steps = 3, gpu_steps = 30;
  std::string devices = "all";
  std::vector<std::string> overrides;
  app.add_option("experiments", files, "experiment YAML files (model.type gan)")->required();
  app.add_option("--batch", batch, "batch size; 0: each experiment's train.batch_size");
  app.add_option("--warmup", warmup);
  app.add_option("--steps", steps, "timed steps on the CPU");
  app.add_option("--gpu-steps", gpu_steps, "timed steps on CUDA");
  app.add_option("--devices", devices, "all | cpu | cuda");
  app.add_option("--set", overrides, "key.path=value, applied to every experiment");
  CLI11_PARSE(app, argc, argv);
  int status = 0;
  for (const std::string& f : files) {
    try {
      const config::ExperimentConfig cfg = config::load_experiment(f, overrides);
      MGR_CHECK(cfg.model.type == "gan", "model.type is " << cfg.model.type << ", not gan");
      const int b = batch > 0 ? batch : cfg.train.batch_size;
      if (devices != "cuda") bench(cfg, Device::cpu(), b, warmup, steps);
      if (devices != "cpu") {
        if (cuda_available())
          bench(cfg, Device::cuda(0), b, warmup + 3, gpu_steps);
        else if (devices == "cuda")
          fmt::print("mgr   {} cuda: no CUDA device present, skipped\n", cfg.name);
      }
    } catch (const std::exception& e) {
      fmt::print(stderr, "bench_gan: {}: {}\n", f, e.what());
      status = 1;
    }
  }
  return status;
}
