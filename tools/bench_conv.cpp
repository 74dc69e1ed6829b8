// Times the convolutional front end of the CRNN (conv 3x3 1->32, BN, ReLU, max-pool 2,
// conv 3x3 32->64, BN, ReLU, max-pool 2) forward + backward at batch 64, per op and in total,
// on the CPU or a CUDA device. Compare with PyTorch: tools/bench_conv_torch.py.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "framework/nn/init.h"
#include "framework/ops/activation.h"
#include "framework/ops/batchnorm2d.h"
#include "framework/ops/conv2d.h"
#include "framework/ops/pool2d.h"
#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#endif

using namespace mgr;

namespace {

void sync(Device d) {
#if MGR_WITH_CUDA
  if (d.is_cuda()) cuda::synchronize(d.index);
#else
  (void)d;
#endif
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// CPU time (user + system, all threads) consumed by this process so far.
double cpu_ms() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-3;
}

// Minimum of `reps` timed runs after `warmup` untimed ones: on a shared machine the minimum is
// the steadiest estimate of the uncontended time.
// Also reports the mean CPU time per run in *cpu (steadier than wall time when other
// processes compete for the cores).
double time_ms(const std::function<void()>& fn, Device d, int warmup, int reps, double* cpu) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> t;
  const double c0 = cpu_ms();
  for (int i = 0; i < reps; ++i) {
    sync(d);
    const double t0 = now_ms();
    fn();
    sync(d);
    t.push_back(now_ms() - t0);
  }
  *cpu = (cpu_ms() - c0) / reps;
  return *std::min_element(t.begin(), t.end());
}

Tensor uniform(const Shape& s, float bound, uint64_t seed, Device d) {
  Tensor t = Tensor::empty(s, DType::F32, d);
  nn::uniform_(t, -bound, bound, seed);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time the CRNN's convolutional front end (forward + backward)"};
  std::string device = "cpu";
  std::string only;
  int batch = 64, reps = 5;
  app.add_option("--device", device, "cpu | cuda[:N] | auto");
  app.add_option("--batch", batch, "batch size");
  app.add_option("--reps", reps, "timed repetitions (minimum reported)");
  app.add_option("--only", only, "run only the rows whose name contains this text");
  CLI11_PARSE(app, argc, argv);
  const Device d = resolve_device(device, std::cerr);

  Var x(uniform({batch, 1, 128, 130}, 1.f, 1, d));
  Var w1(uniform({32, 1, 3, 3}, 0.5f, 2, d), true), b1(Tensor::zeros({32}, DType::F32, d), true);
  Var w2(uniform({64, 32, 3, 3}, 0.05f, 3, d), true), b2(Tensor::zeros({64}, DType::F32, d), true);
  Var g1(Tensor::full({32}, 1.f, d), true), be1(Tensor::zeros({32}, DType::F32, d), true);
  Var g2(Tensor::full({64}, 1.f, d), true), be2(Tensor::zeros({64}, DType::F32, d), true);
  Tensor rm1 = Tensor::zeros({32}, DType::F32, d), rv1 = Tensor::full({32}, 1.f, d);
  Tensor rm2 = Tensor::zeros({64}, DType::F32, d), rv2 = Tensor::full({64}, 1.f, d);
  Var p1(uniform({batch, 32, 64, 65}, 1.f, 4, d), true);

  auto conv1 = [&] { return ops::conv2d(x, w1, b1, 1, 1, 1, 1); };
  auto conv2 = [&] { return ops::conv2d(p1, w2, b2, 1, 1, 1, 1); };
  auto pool1 = [&] { return ops::max_pool2d(p1, 2, 2, 2, 2); };
  auto bn2 = [&] { return ops::batch_norm2d(p1, g1, be1, rm1, rv1, true); };
  auto front = [&] {
    Var h = ops::conv2d(x, w1, b1, 1, 1, 1, 1);
    h = ops::max_pool2d(ops::relu(ops::batch_norm2d(h, g1, be1, rm1, rv1, true)), 2, 2, 2, 2);
    h = ops::conv2d(h, w2, b2, 1, 1, 1, 1);
    return ops::max_pool2d(ops::relu(ops::batch_norm2d(h, g2, be2, rm2, rv2, true)), 2, 2, 2, 2);
  };
  auto front_norelu = [&] {
    Var h = ops::conv2d(x, w1, b1, 1, 1, 1, 1);
    h = ops::max_pool2d(ops::batch_norm2d(h, g1, be1, rm1, rv1, true), 2, 2, 2, 2);
    h = ops::conv2d(h, w2, b2, 1, 1, 1, 1);
    return ops::max_pool2d(ops::batch_norm2d(h, g2, be2, rm2, rv2, true), 2, 2, 2, 2);
  };
  auto conv_only = [&] {
    Var h = ops::max_pool2d(ops::conv2d(x, w1, b1, 1, 1, 1, 1), 2, 2, 2, 2);
    return ops::conv2d(h, w2, b2, 1, 1, 1, 1);
  };
  std::printf("device %s, batch %d, min of %d (ms)\n", d.str().c_str(), batch, reps);
  struct Row {
    const char* name;
    std::function<Var()> f;
  };
  const std::vector<Row> rows = {
      {"conv1 1->32 on [B,1,128,130] (x no grad)", conv1},
      {"conv2 32->64 on [B,32,64,65] (x grad)", conv2},
      {"maxpool 2x2 on [B,32,64,65]", pool1},
      {"batchnorm train on [B,32,64,65]", bn2},
      {"conv1+pool+conv2", conv_only},
      {"front end: conv+bn+relu+pool x2", front},
      {"front end without ReLU: conv+bn+pool x2", front_norelu},
  };
  for (const Row& r : rows) {
    if (!only.empty() && std::string(r.name).find(only) == std::string::npos) continue;
    double cpu_f = 0, cpu_fb = 0;
    const double f = time_ms(
        [&] {
          NoGradGuard ng;
          r.f();
        },
        d, 1, reps, &cpu_f);
    const double fb = time_ms(
        [&] {
          Var y = r.f();
          y.backward(Tensor::full(y.shape(), 1.f, d));
        },
        d, 1, reps, &cpu_fb);
    std::printf("%-44s fwd %8.1f  fwd+bwd %8.1f  (cpu ms/run: fwd %7.1f, fwd+bwd %7.1f)\n", r.name,
                f, fb, cpu_f, cpu_fb);
  }
  return 0;
}
