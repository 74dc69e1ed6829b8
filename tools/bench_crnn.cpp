// Prints CRNN training throughput (clips/s, forward + backward + Adam step) for the model of
// experiments/crnn_gru.yaml on input [batch, 1, 128, 130], on CPU and, when present, on CUDA.
// scripts/bench/torch_crnn.py runs the same model in PyTorch; scripts/bench/run_benchmarks.sh
// runs both side by side.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <random>

#include "framework/config/experiment_config.h"
#include "framework/models/crnn.h"
#include "framework/ops/loss.h"
#include "framework/optim/adam.h"

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

double bench(Device device, int batch, int n_mels, int frames, int warmup, int steps) {
  config::ModelConfig mc;  // the defaults are the crnn_gru.yaml model
  models::Crnn model(mc, n_mels, frames, 10, 1);
  model.to(device);
  model.train();
  optim::Adam adam(model.parameters(), {});
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  std::vector<float> xv(static_cast<size_t>(batch) * n_mels * frames);
  for (float& v : xv) v = nd(rng);
  std::vector<int32_t> yv(batch);
  for (int i = 0; i < batch; ++i) yv[i] = i % 10;
  Tensor x = Tensor::from_vector(xv, {batch, 1, n_mels, frames}, device);
  Tensor y = Tensor::from_vector(yv, {batch}, device);
  auto step = [&] {
    Var loss = ops::softmax_cross_entropy(model.forward(Var(x)), y);
    adam.zero_grad();
    loss.backward();
    adam.step();
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
      "mgr  crnn-train {:<7} batch {} input 1x{}x{}: {:.3f} s/step, {:.1f} clips/s (last loss "
      "{:.3f})\n",
      device.str(), batch, n_mels, frames, secs / steps, batch * steps / secs, last);
  return batch * steps / secs;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"CRNN training throughput"};
  int batch = 64, n_mels = 128, frames = 130, warmup = 2, steps = 10, gpu_steps = 100;
  std::string devices = "all";
  app.add_option("--batch", batch);
  app.add_option("--n-mels", n_mels);
  app.add_option("--frames", frames);
  app.add_option("--warmup", warmup);
  app.add_option("--steps", steps, "timed steps on CPU");
  app.add_option("--gpu-steps", gpu_steps, "timed steps on CUDA");
  app.add_option("--devices", devices, "all | cpu | cuda");
  CLI11_PARSE(app, argc, argv);
  try {
    if (devices != "cuda") bench(Device::cpu(), batch, n_mels, frames, warmup, steps);
    if (devices != "cpu") {
      if (cuda_available())
        bench(Device::cuda(0), batch, n_mels, frames, warmup + 3, gpu_steps);
      else
        fmt::print("mgr  crnn-train cuda: no CUDA device present, skipped\n");
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench_crnn: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
