// What the training-step benchmarks (bench_models, bench_gan) share: the command line (experiment
// YAMLs, --batch, --warmup, --steps, --gpu-steps, --devices, --set), the loop over experiments
// and devices (CUDA with three more warm-up steps, skipped with a line where there is no device),
// and the timing of a step function between device synchronisations.
#pragma once

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "framework/config/yaml_config.h"
#include "framework/experiment/load.h"
#include "framework/tensor/device.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#endif

namespace mgr::bench {

inline void sync(Device d) {
#if MGR_WITH_CUDA
  if (d.is_cuda()) cuda::synchronize(d.index);
#else
  (void)d;
#endif
}

// Seconds for `steps` calls of `step` after `warmup` untimed ones, the device drained before and
// after (a step that reads a loss back syncs anyway, as training does).
inline double time_steps(Device device, int warmup, int steps, const std::function<void()>& step) {
  for (int i = 0; i < warmup; ++i) step();
  sync(device);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < steps; ++i) step();
  sync(device);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

struct TrainingBenchDefaults {
  int warmup = 2, steps = 5, gpu_steps = 50;
};

// Runs `bench(file, experiment, device, batch, warmup, steps)` for every experiment on the
// command line (its plan made once, by experiment::load) and every device asked for.
// `skip(experiment)` returns a reason to pass an experiment over (printed),
// or an empty string. Returns the exit status: 1 when some experiment failed (its error printed).
inline int run_training_benchmarks(
    int argc, char** argv, const std::string& title, const std::string& program,
    TrainingBenchDefaults d, const std::function<std::string(const experiment::Experiment&)>& skip,
    const std::function<void(const std::string&, const experiment::Experiment&, Device, int, int,
                             int)>& bench) {
  CLI::App app{title};
  std::vector<std::string> files;
  int batch = 0;
  std::string devices = "all";
  std::vector<std::string> overrides;
  app.add_option("experiments", files, "experiment YAML files")->required();
  app.add_option("--batch", batch, "batch size; 0: each experiment's train.batch_size");
  app.add_option("--warmup", d.warmup, "untimed steps first");
  app.add_option("--steps", d.steps, "timed steps on the CPU");
  app.add_option("--gpu-steps", d.gpu_steps, "timed steps on CUDA");
  app.add_option("--devices", devices, "all | cpu | cuda")
      ->check(CLI::IsMember({"all", "cpu", "cuda"}));
  app.add_option("--set", overrides, "key.path=value, applied to every experiment");
  CLI11_PARSE(app, argc, argv);
  int status = 0;
  for (const std::string& f : files) {
    try {
      const experiment::Experiment e = experiment::load(f, overrides);
      const config::ExperimentConfig& cfg = e.cfg;
      if (const std::string why = skip(e); !why.empty()) {
        fmt::print("mgr   {}: {}\n", cfg.name, why);
        continue;
      }
      const int b = batch > 0 ? batch : cfg.train.batch_size;
      if (devices != "cuda") bench(f, e, Device::cpu(), b, d.warmup, d.steps);
      if (devices != "cpu") {
        if (cuda_available())
          bench(f, e, Device::cuda(0), b, d.warmup + 3, d.gpu_steps);
        else if (devices == "cuda")
          fmt::print("mgr   {} cuda: no CUDA device present, skipped\n", cfg.name);
      }
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}: {}: {}\n", program, f, e.what());
      status = 1;
    }
  }
  return status;
}

}  // namespace mgr::bench
