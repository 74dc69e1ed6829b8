// Prints training throughput (clips/s for forward + backward + optimiser step) of the network of
// each experiment YAML given, at the experiment's batch size (or --batch), on random inputs of
// the experiment's per-clip feature shape, on the CPU and, when present, on CUDA. Each line
// names the input shape, so scripts/bench/torch_models.py can time the same network in PyTorch
// (scripts/bench/run_benchmarks.sh runs both in one invocation).
#include <fmt/format.h>

#include <random>

#include "framework/engine/classifier_task.h"
#include "framework/graph/model_check.h"
#include "framework/ops/loss.h"
#include "framework/tasks/task_kind.h"
#include "tools/bench_training_driver.h"

namespace {

using namespace mgr;

std::string shape_arg(const Shape& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out;
}

void time_experiment(const std::string& path, const experiment::Experiment& e, Device device,
                     int batch, int warmup, int steps) {
  const config::ExperimentConfig& cfg = e.cfg;
  const auto plan = e.task.kind->network(*e.task.plan);
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
  float last = 0;
  // item() syncs, as in training.
  const double secs =
      bench::time_steps(device, warmup, steps, [&] { last = step().value().item(); });
  fmt::print(
      "mgr   {:<24} {:<7} batch {:>3} input {:<12} classes {:>2} params {:>9}: {:.3f} s/step, "
      "{:.1f} clips/s (last loss {:.3f}) [{}]\n",
      cfg.name, device.str(), batch, shape_arg(plan->input), plan->num_classes,
      model.num_parameters(), secs / steps, batch * steps / secs, last, path);
}

}  // namespace

int main(int argc, char** argv) {
  return bench::run_training_benchmarks(
      argc, argv, "Training throughput of experiment networks", "bench_models",
      {.warmup = 2, .steps = 5, .gpu_steps = 50},
      [](const experiment::Experiment& e) {
        // A tree's nodes share model.layers: the flat template (children = the genres) is timed.
        if (e.task.kind->network && e.task.kind->network(*e.task.plan)) return std::string();
        return "model.type " + e.cfg.model.type +
               " trains no classifier network (tools/bench_knn times a KNN, tools/bench_gan a GAN)";
      },
      time_experiment);
}
