// Times the KNN classifier's fit + predict: 10,000 queries against 100,000 training vectors of
// 100 values, k = 5, Euclidean, majority vote, standardisation on, 10 classes, uniform random
// data. Compare with scikit-learn: scripts/bench/sklearn_knn.py (the same workload).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "framework/knn/knn.h"
#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#endif

using namespace mgr;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void sync(Device d) {
#if MGR_WITH_CUDA
  if (d.is_cuda()) cuda::synchronize(d.index);
#else
  (void)d;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Time KNN fit + predict (mgr::knn::KnnClassifier)"};
  std::string device = "cpu";
  int64_t n = 100000, m = 10000, d = 100;
  int k = 5, classes = 10, reps = 2;
  app.add_option("--device", device, "cpu | cuda[:N] | auto");
  app.add_option("--train", n, "training vectors");
  app.add_option("--queries", m, "query vectors");
  app.add_option("--dim", d, "values per vector");
  app.add_option("-k", k, "neighbours");
  app.add_option("--reps", reps, "timed repetitions (minimum reported)");
  CLI11_PARSE(app, argc, argv);
  const Device dev = resolve_device(device, std::cerr);

  std::mt19937 g(1234);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> x(static_cast<size_t>(n * d)), q(static_cast<size_t>(m * d));
  for (auto& e : x) e = u(g);
  for (auto& e : q) e = u(g);
  std::vector<int> labels(static_cast<size_t>(n));
  for (auto& e : labels) e = static_cast<int>(g() % classes);
  const Tensor xt = Tensor::from_vector(x, {n, d}, dev), qt = Tensor::from_vector(q, {m, d}, dev);

  knn::KnnOptions o;
  o.k = k;
  double best = 1e30;
  std::vector<int> pred;
  for (int r = 0; r < std::max(1, reps); ++r) {
    sync(dev);
    const double t0 = now_s();
    knn::KnnClassifier clf(o);
    clf.fit(xt, labels, classes);
    pred = clf.predict(qt);
    sync(dev);
    best = std::min(best, now_s() - t0);
  }
  std::vector<int> hist(static_cast<size_t>(classes), 0);
  for (int p : pred) ++hist[p];
  std::printf(
      "mgr knn %s: fit+predict %lld queries x %lld train x %lld dims, k=%d: %.3f s, %.0f "
      "queries/s (min of %d; predicted class 0 for %d queries)\n",
      dev.str().c_str(), static_cast<long long>(m), static_cast<long long>(n),
      static_cast<long long>(d), k, best, double(m) / best, std::max(1, reps), hist[0]);
  return 0;
}
