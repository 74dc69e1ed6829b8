// Prints training throughput (clips/s for forward + backward + optimiser step) of the network of
// each experiment YAML given, at the experiment's batch size (or --batch), on random inputs of
// the experiment's per-clip feature shape, on the CPU and, when present, on CUDA. Each line
// names the input shape, so scripts/bench/torch_models.py can time the same network in PyTorch
// (scripts/bench/run_benchmarks.sh runs both in one invocation).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <random>

#include "framework/config/yaml_config.h"
#include "framework/graph/model_check.h"
#include "framework/ops/loss.h"
#include "framework/train/classifier_task.h"

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

std::string shape_arg(const Shape& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out;
}

void bench(const std::string& path, const config::ExperimentConfig& cfg, Device device, int batch,
           int warmup, int steps) {
  const auto plan = graph::plan_classifier(cfg);
  graph::GraphModel model(plan, 1);
  model.to(device);
  model.train();
  auto opt = train::make_optimizer(cfg.train, model.parameters());
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  Shape xs{batch};
  xs.insert(xs.end(), plan->input.begin(), plan->input.end());
  std::vector<float> xv(static_cast<size_t>(shape_numel(xs)));
  for (float& v : xv) v = nd(rng);
  std::vector<int32_t> yv(static_cast<size_t>(batch));
  for (int i = 0; i < batch; ++i) yv[static_cast<size_t>(i)] = i % plan->num_classes;
  Tensor x = Tensor::from_vector(xv, xs, device);
  Tensor y = Tensor::from_vector(yv, {batch}, device);
  auto step = [&] {
    Var loss = ops::softmax_cross_entropy(model.forward(Var(x)), y);
    opt->zero_grad();
    loss.backward();
    opt->step();
    return loss;
  };
  for (int i = 0; i < warmup; ++i) step();
  sync(device);
  const auto t0 = std::chrono::steady_clock::now();
  float last = 0;
  for (int i = 0; i < steps; ++i) last = step().value().item();  // item() syncs, as in training
  sync(device);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print(
      "mgr   {:<24} {:<7} batch {:>3} input {:<12} classes {:>2} params {:>9}: {:.3f} s/step, "
      "{:.1f} clips/s (last loss {:.3f}) [{}]\n",
      cfg.name, device.str(), batch, shape_arg(plan->input), plan->num_classes,
      model.num_parameters(), secs / steps, batch * steps / secs, last, path);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Training throughput of experiment networks"};
  std::vector<std::string> files;
  int batch = 0, warmup = 2, steps = 5, gpu_steps = 50;
  std::string devices = "all";
  std::vector<std::string> overrides;
  app.add_option("experiments", files, "experiment YAML files")->required();
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
      if (cfg.model.type == "knn") {
        fmt::print("mgr   {}: model.type knn trains no network (tools/bench_knn times the KNN)\n",
                   cfg.name);
        continue;
      }
      // A tree's nodes share model.layers: the flat template (children = the genres) is timed.
      const int b = batch > 0 ? batch : cfg.train.batch_size;
      if (devices != "cuda") bench(f, cfg, Device::cpu(), b, warmup, steps);
      if (devices != "cpu") {
        if (cuda_available())
          bench(f, cfg, Device::cuda(0), b, warmup + 3, gpu_steps);
        else if (devices == "cuda")
          fmt::print("mgr   {} cuda: no CUDA device present, skipped\n", cfg.name);
      }
    } catch (const std::exception& e) {
      fmt::print(stderr, "bench_models: {}: {}\n", f, e.what());
      status = 1;
    }
  }
  return status;
}
