// KNN classifier (framework/knn): against a brute-force double-precision reference, exact tie
// rules, errors, and CUDA vs CPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "framework/knn/knn.h"
#include "test_util.h"

using namespace mgr;
using knn::KnnClassifier;
using knn::KnnOptions;

namespace {

struct Ref {
  std::vector<std::vector<int>> idx;      // [M][k]
  std::vector<std::vector<double>> dist;  // [M][k]
  std::vector<std::vector<double>> proba;
  std::vector<int> pred;
};

// Direct loops in double: the transform of framework/knn/knn.h, every distance, a full sort.
Ref reference(const std::vector<float>& x, int64_t n, const std::vector<float>& q, int64_t m,
              int64_t d, const std::vector<int>& labels, int c, const KnnOptions& o) {
  std::vector<double> mean(d, 0.0), sd(d, 1.0), w(d, 1.0);
  if (o.standardise) {
    for (int64_t j = 0; j < d; ++j) {
      double s = 0, s2 = 0;
      for (int64_t i = 0; i < n; ++i) s += x[i * d + j];
      mean[j] = s / n;
      for (int64_t i = 0; i < n; ++i) s2 += (x[i * d + j] - mean[j]) * (x[i * d + j] - mean[j]);
      sd[j] = std::sqrt(s2 / n) > 0 ? std::sqrt(s2 / n) : 1.0;
    }
  }
  for (size_t g = 0; g < o.groups.size(); ++g)
    for (int64_t j = o.groups[g].first; j < o.groups[g].second; ++j)
      w[j] = o.group_weights.empty() ? 1.0 : o.group_weights[g];
  auto tr = [&](const float* r) {
    std::vector<double> v(d);
    double nn = 0;
    for (int64_t j = 0; j < d; ++j) {
      v[j] = (r[j] - mean[j]) / sd[j] * std::sqrt(w[j]);
      nn += v[j] * v[j];
    }
    if (o.metric == "cosine" && nn > 0)
      for (auto& e : v) e /= std::sqrt(nn);
    return v;
  };
  std::vector<std::vector<double>> xt(n);
  for (int64_t i = 0; i < n; ++i) xt[i] = tr(&x[i * d]);
  Ref ref;
  for (int64_t a = 0; a < m; ++a) {
    const auto qv = tr(&q[a * d]);
    std::vector<std::pair<double, int>> all(n);
    for (int64_t i = 0; i < n; ++i) {
      double s = 0;
      if (o.metric == "cosine") {
        for (int64_t j = 0; j < d; ++j) s += qv[j] * xt[i][j];
        s = 1.0 - s;
      } else {
        for (int64_t j = 0; j < d; ++j) s += (qv[j] - xt[i][j]) * (qv[j] - xt[i][j]);
        s = std::sqrt(s);
      }
      all[i] = {s, int(i)};
    }
    std::sort(all.begin(), all.end());
    std::vector<int> id;
    std::vector<double> di, votes(c, 0.0);
    bool exact = false;
    for (int t = 0; t < o.k; ++t) exact = exact || all[t].first <= 1e-12;
    for (int t = 0; t < o.k; ++t) {
      id.push_back(all[t].second);
      di.push_back(all[t].first);
      double wt = 1.0;
      if (o.vote == "distance")
        wt = exact ? (all[t].first <= 1e-12 ? 1.0 : 0.0) : 1.0 / all[t].first;
      votes[labels[all[t].second]] += wt;
    }
    const double tot = std::accumulate(votes.begin(), votes.end(), 0.0);
    for (auto& v : votes) v /= tot;
    ref.idx.push_back(id);
    ref.dist.push_back(di);
    ref.pred.push_back(int(std::max_element(votes.begin(), votes.end()) - votes.begin()));
    ref.proba.push_back(votes);
  }
  return ref;
}

std::vector<float> uniform(int64_t count, uint32_t seed, float lo, float hi) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(count);
  for (auto& e : v) e = u(g);
  return v;
}

std::vector<int> random_labels(int64_t n, int c, uint32_t seed) {
  std::mt19937 g(seed);
  std::vector<int> v(n);
  for (auto& e : v) e = int(g() % c);
  return v;
}

void expect_matches_reference(int64_t n, int64_t m, int64_t d, int c, const KnnOptions& o,
                              uint32_t seed) {
  SCOPED_TRACE(testing::Message() << "n " << n << " m " << m << " d " << d << " k " << o.k << " "
                                  << o.metric << " " << o.vote << " standardise " << o.standardise
                                  << " groups " << o.groups.size());
  // Columns with different offsets and scales, so standardisation matters.
  std::vector<float> x = uniform(n * d, seed, -1.f, 1.f), q = uniform(m * d, seed + 1, -1.2f, 1.2f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) x[i * d + j] = x[i * d + j] * float(1 + j) + float(j);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < d; ++j) q[i * d + j] = q[i * d + j] * float(1 + j) + float(j);
  const auto labels = random_labels(n, c, seed + 2);
  KnnClassifier knn(o);
  knn.fit(Tensor::from_vector(x, {n, d}), labels, c);
  const Tensor qt = Tensor::from_vector(q, {m, d});
  const auto nb = knn.kneighbors(qt);
  const auto proba = knn.predict_proba(qt).to_vector();
  const auto pred = knn.predict(qt);
  const auto idx = nb.indices.to_vector_i32();
  const auto dist = nb.distances.to_vector();
  const Ref ref = reference(x, n, q, m, d, labels, c, o);
  int index_mismatches = 0;
  for (int64_t a = 0; a < m; ++a) {
    for (int t = 0; t < o.k; ++t) {
      const double r = ref.dist[a][t];
      ASSERT_NEAR(dist[a * o.k + t], r, 2e-3 * (1.0 + std::abs(r)))
          << "query " << a << " rank " << t;
      // A float32 distance may reorder two training rows whose distances differ by rounding.
      if (idx[a * o.k + t] != ref.idx[a][t]) ++index_mismatches;
    }
    bool exact_order = true;
    for (int t = 0; t < o.k; ++t) exact_order = exact_order && idx[a * o.k + t] == ref.idx[a][t];
    if (!exact_order) continue;
    for (int j = 0; j < c; ++j) ASSERT_NEAR(proba[a * c + j], ref.proba[a][j], 1e-3);
    ASSERT_EQ(pred[a], ref.pred[a]) << "query " << a;
  }
  EXPECT_LE(index_mismatches, 2) << "neighbour indices differ from the double reference";
}

}  // namespace

TEST(Knn, MatchesBruteForceReference) {
  uint32_t seed = 10;
  for (int k : {1, 3, 8})
    for (const char* metric : {"euclidean", "cosine"})
      for (const char* vote : {"majority", "distance"})
        for (bool standardise : {true, false}) {
          KnnOptions o;
          o.k = k;
          o.metric = metric;
          o.vote = vote;
          o.standardise = standardise;
          expect_matches_reference(300, 270, 7, 4, o, seed++);  // two query tiles of 256
        }
}

TEST(Knn, GroupWeightsMatchReference) {
  for (const char* metric : {"euclidean", "cosine"}) {
    KnnOptions o;
    o.k = 4;
    o.metric = metric;
    o.groups = {{0, 3}, {5, 9}};  // columns 3, 4 in no group: weight 1
    o.group_weights = {4.f, 0.25f};
    expect_matches_reference(200, 50, 9, 3, o, 99);
    o.group_weights = {0.f, 1.f};  // a group switched off
    expect_matches_reference(200, 50, 9, 3, o, 98);
    o.group_weights.clear();  // groups without weights: all 1
    expect_matches_reference(200, 50, 9, 3, o, 97);
  }
}

TEST(Knn, ManyTrainingTiles) {
  KnnOptions o;
  o.k = 6;
  o.vote = "distance";
  expect_matches_reference(70000, 9, 3, 5, o, 7);  // 3 training tiles of 32768
}

TEST(Knn, GroupWeightIsSquaredDistanceWeight) {
  // Two columns in two groups; weights 9 and 1: distance^2 = 9 dx^2 + dy^2.
  KnnOptions o;
  o.k = 2;
  o.standardise = false;
  o.groups = {{0, 1}, {1, 2}};
  o.group_weights = {9.f, 1.f};
  KnnClassifier knn(o);
  knn.fit(Tensor::from_vector(std::vector<float>{1, 0, 0, 2}, {2, 2}), {0, 1}, 2);
  const auto nb = knn.kneighbors(Tensor::from_vector(std::vector<float>{0, 0}, {1, 2}));
  EXPECT_EQ(nb.indices.to_vector_i32(), (std::vector<int32_t>{1, 0}));
  const auto dist = nb.distances.to_vector();
  EXPECT_FLOAT_EQ(dist[0], 2.f);
  EXPECT_FLOAT_EQ(dist[1], 3.f);
}

TEST(Knn, EqualDistancesGoToTheLowerTrainingIndex) {
  // Integer points: every distance is exact in float. Rows 1, 3, 4, 6 are the same point; across
  // training tiles too (n > 32768, the duplicates at both ends).
  for (int64_t n : {int64_t(9), int64_t(32780)}) {
    std::vector<float> x(n * 2);
    for (int64_t i = 0; i < n; ++i) {
      x[i * 2] = float(10 + i % 7);
      x[i * 2 + 1] = float(5 + i % 3);
    }
    const std::vector<int64_t> same = {1, 3, 4, 6, n - 2, n - 1};
    for (int64_t i : same) x[i * 2] = 2.f, x[i * 2 + 1] = 2.f;
    KnnOptions o;
    o.k = 5;
    o.standardise = false;
    KnnClassifier knn(o);
    knn.fit(Tensor::from_vector(x, {n, 2}), std::vector<int>(n, 0), 1);
    // The query at (2, 2) ties the six duplicates at 0; (2, 3) ties them at 1.
    const auto nb = knn.kneighbors(Tensor::from_vector(std::vector<float>{2, 2, 2, 3}, {2, 2}));
    EXPECT_EQ(nb.indices.to_vector_i32(),
              (std::vector<int32_t>{1, 3, 4, 6, int32_t(same[4]), 1, 3, 4, 6, int32_t(same[4])}))
        << "n " << n;
  }
}

TEST(Knn, VoteTies) {
  // Four training points on a line, labels 2, 1, 1, 2 at distances 1, 2, 3, 4 from the query.
  std::vector<float> x = {1, 2, 3, 4};
  const std::vector<int> labels = {2, 1, 1, 2};
  KnnOptions o;
  o.standardise = false;
  o.k = 4;
  KnnClassifier knn(o);
  knn.fit(Tensor::from_vector(x, {4, 1}), labels, 3);
  const Tensor q = Tensor::from_vector(std::vector<float>{0}, {1, 1});
  // Majority: 2 votes each for classes 1 and 2: the lower class index.
  EXPECT_EQ(knn.predict(q), std::vector<int>{1});
  EXPECT_EQ(knn.predict_proba(q).to_vector(), (std::vector<float>{0.f, 0.5f, 0.5f}));
  // Distance: class 2 has 1 + 1/4, class 1 has 1/2 + 1/3.
  o.vote = "distance";
  KnnClassifier kd(o);
  kd.fit(Tensor::from_vector(x, {4, 1}), labels, 3);
  EXPECT_EQ(kd.predict(q), std::vector<int>{2});
  // A query on a training point: only the zero-distance neighbours vote.
  EXPECT_EQ(kd.predict_proba(Tensor::from_vector(std::vector<float>{2}, {1, 1})).to_vector(),
            (std::vector<float>{0.f, 1.f, 0.f}));
}

TEST(Knn, StandardisationFromTrainingRowsOnly) {
  KnnClassifier knn;  // standardise on
  knn.fit(Tensor::from_vector(std::vector<float>{0, 5, 2, 5, 4, 5, 6, 5, 8, 5}, {5, 2}),
          {0, 0, 1, 1, 1}, 2);
  EXPECT_FLOAT_EQ(knn.mean()[0], 4.f);
  EXPECT_FLOAT_EQ(knn.stddev()[0], std::sqrt(8.f));
  EXPECT_FLOAT_EQ(knn.mean()[1], 5.f);
  EXPECT_FLOAT_EQ(knn.stddev()[1], 1.f);  // a constant column keeps scale 1
  (void)knn.predict(Tensor::from_vector(std::vector<float>{100, -7}, {1, 2}));
  EXPECT_FLOAT_EQ(knn.mean()[0], 4.f);
}

TEST(Knn, Errors) {
  auto expect_throw = [](auto fn, const std::string& part) {
    try {
      fn();
      ADD_FAILURE() << "no exception; expected one mentioning '" << part << "'";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  const Tensor x = Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5}, {3, 2});
  expect_throw(
      [&] {
        KnnOptions o;
        o.k = 4;
        KnnClassifier(o).fit(x, {0, 1, 0}, 2);
      },
      "k = 4 exceeds the 3 training rows");
  expect_throw(
      [&] {
        KnnOptions o;
        o.k = 0;
        KnnClassifier c(o);
      },
      "k must be >= 1");
  expect_throw(
      [&] {
        KnnOptions o;
        o.metric = "manhattan";
        KnnClassifier c(o);
      },
      "unknown metric 'manhattan'");
  expect_throw(
      [&] {
        KnnOptions o;
        o.vote = "uniform";
        KnnClassifier c(o);
      },
      "unknown vote 'uniform'");
  expect_throw(
      [&] {
        KnnOptions o;
        o.k = 1;
        KnnClassifier c(o);
        c.fit(x, {0, 1, 0}, 2);
        (void)c.predict(Tensor::from_vector(std::vector<float>{0, 1, 2}, {1, 3}));
      },
      "queries have 3 columns, the fitted data 2");
  expect_throw([&] { KnnClassifier(KnnOptions{}).predict(x); }, "before fit");
  expect_throw(
      [&] {
        KnnOptions o;
        o.k = 1;
        KnnClassifier(o).fit(x, {0, 2, 0}, 2);
      },
      "label 2 of row 1 outside [0, 2)");
  expect_throw(
      [&] {
        KnnOptions o;
        o.k = 1;
        KnnClassifier(o).fit(x, {0, 1}, 2);
      },
      "2 labels for 3 rows");
  expect_throw(
      [&] {
        KnnOptions o;
        o.k = 1;
        o.groups = {{0, 2}, {1, 2}};
        KnnClassifier(o).fit(x, {0, 1, 0}, 2);
      },
      "column 1 is in two groups");
  expect_throw(
      [&] {
        KnnOptions o;
        o.k = 1;
        o.groups = {{0, 3}};
        KnnClassifier(o).fit(x, {0, 1, 0}, 2);
      },
      "beyond the 2 columns");
  expect_throw(
      [&] {
        KnnOptions o;
        o.groups = {{0, 1}};
        o.group_weights = {1.f, 2.f};
        KnnClassifier c(o);
      },
      "2 group weights for 1 groups");
  expect_throw(
      [&] {
        KnnOptions o;
        o.groups = {{0, 1}};
        o.group_weights = {-1.f};
        KnnClassifier c(o);
      },
      "not finite >= 0");
}

TEST(Knn, CudaMatchesCpu) {
  MGR_REQUIRE_CUDA();
  const Device gpu = Device::cuda(0);
  // (1) Small integers, standardisation off: every dot product and distance is exact in float
  // on both devices, with many ties; the results must be identical.
  {
    const int64_t n = 5000, m = 300, d = 6;
    std::mt19937 g(3);
    std::vector<float> x(n * d), q(m * d);
    for (auto& e : x) e = float(int(g() % 5) - 2);
    for (auto& e : q) e = float(int(g() % 5) - 2);
    const auto labels = random_labels(n, 4, 5);
    {  // Euclidean only: cosine's normalised rows are not exact
      KnnOptions o;
      o.k = 7;
      o.standardise = false;
      KnnClassifier cpu(o), cuda(o);
      cpu.fit(Tensor::from_vector(x, {n, d}), labels, 4);
      cuda.fit(Tensor::from_vector(x, {n, d}, gpu), labels, 4);
      const auto a = cpu.kneighbors(Tensor::from_vector(q, {m, d}));
      const auto b = cuda.kneighbors(Tensor::from_vector(q, {m, d}, gpu));
      EXPECT_TRUE(b.indices.is_cuda());
      EXPECT_EQ(a.indices.to_vector_i32(), b.indices.cpu().to_vector_i32());
      EXPECT_EQ(a.distances.to_vector(), b.distances.cpu().to_vector());
    }
  }
  // (2) Random data, every option: distances within float rounding, the same predictions where
  // the neighbour lists agree.
  for (const char* metric : {"euclidean", "cosine"})
    for (const char* vote : {"majority", "distance"}) {
      const int64_t n = 3000, m = 500, d = 20;
      const auto x = uniform(n * d, 11, -1.f, 1.f), q = uniform(m * d, 12, -1.f, 1.f);
      const auto labels = random_labels(n, 5, 13);
      KnnOptions o;
      o.k = 9;
      o.metric = metric;
      o.vote = vote;
      o.groups = {{0, 10}, {10, 20}};
      o.group_weights = {2.f, 0.5f};
      KnnClassifier cpu(o), cuda(o);
      cpu.fit(Tensor::from_vector(x, {n, d}), labels, 5);
      cuda.fit(Tensor::from_vector(x, {n, d}, gpu), labels, 5);
      const Tensor qc = Tensor::from_vector(q, {m, d}), qg = qc.to(gpu);
      EXPECT_TRUE(test::all_close(cuda.kneighbors(qg).distances.cpu(), cpu.kneighbors(qc).distances,
                                  1e-4f, 1e-5f));
      const auto ia = cpu.kneighbors(qc).indices.to_vector_i32();
      const auto ib = cuda.kneighbors(qg).indices.cpu().to_vector_i32();
      int differ = 0;
      for (size_t i = 0; i < ia.size(); ++i) differ += ia[i] != ib[i];
      EXPECT_LE(differ, 4) << metric << " " << vote;
      if (differ == 0) {
        EXPECT_EQ(cpu.predict(qc), cuda.predict(qg));
        EXPECT_TRUE(
            test::all_close(cuda.predict_proba(qg).cpu(), cpu.predict_proba(qc), 1e-4f, 1e-5f));
      }
    }
}
