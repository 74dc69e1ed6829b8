// k-nearest-neighbours classifier (paper 004's baseline; paper 000's weighted distance over
// feature groups), on the CPU (OpenBLAS + OpenMP) or a CUDA device (cuBLAS + CUB).
//
// Distances. Every row (training and query) is first transformed column by column:
//   v[j] = (x[j] - mean[j]) / std[j] * sqrt(w[g(j)])
// with mean/std the per-column statistics of the training rows passed to fit() (population std;
// a constant column gets std 1), applied unchanged to queries (standardise = false: mean 0,
// std 1), and w[g] the weight of the group holding column j (columns in no group: weight 1).
// Scaling a group's columns by sqrt(w) makes the squared Euclidean distance
// sum_g w[g] * ||q_g - x_g||^2. metric "euclidean": the distance is ||v_q - v_x|| (reported)
// and the squared distance ||v_q||^2 + ||v_x||^2 - 2 v_q.v_x is what is ranked; metric
// "cosine": 1 - v_q.v_x / (||v_q|| ||v_x||) (a zero row is at distance 1 from everything).
// The dot products are one GEMM per tile of queries; the full [M, N] matrix is never held.
//
// Order and ties. Neighbours are ordered by distance; equal distances (as float32) by the lower
// training index, on both devices. The distances come from OpenBLAS or cuBLAS dot products, so
// the two devices can differ by float32 rounding and, where two training rows are that close,
// order them differently.
//
// Votes. "majority": each of the k neighbours gives its label 1; "distance": 1 / distance (as
// scikit-learn's weights='distance'; when some neighbours are at distance 0, only those vote,
// 1 each). predict_proba is the votes divided by their sum; predict is the class with the most
// votes, ties to the lower class index (as scikit-learn). The vote is counted on the host.
//
// Track level: predict_proba / predict of a track's clips feed the track votes of
// framework/engine/metrics.h (vote_by_track, vote_by_mean_probability).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "framework/tensor/tensor.h"

namespace mgr::knn {

struct KnnOptions {
  int k = 5;
  std::string metric = "euclidean";  // or "cosine"
  std::string vote = "majority";     // or "distance"
  bool standardise = true;           // mean/std per column from the training rows
  // Feature column ranges [begin, end), not overlapping; with group_weights, the distance weight
  // of each group (empty: all 1). Columns outside every group have weight 1.
  std::vector<std::pair<int64_t, int64_t>> groups;
  std::vector<float> group_weights;
};

struct Neighbours {
  Tensor indices;    // i32 [M, k], training row indices, nearest first
  Tensor distances;  // f32 [M, k], Euclidean or cosine distance
};

class KnnClassifier {
 public:
  explicit KnnClassifier(KnnOptions options = {});

  // x: f32 [N, D] on any device (the training rows stay there, transformed); labels: N class
  // indices in [0, num_classes). Throws on a bad option, shape or label.
  void fit(const Tensor& x, const std::vector<int>& labels, int num_classes);

  // q: f32 [M, D] on the fitted device. Results on that device.
  Neighbours kneighbors(const Tensor& q) const;
  Tensor predict_proba(const Tensor& q) const;  // f32 [M, num_classes], vote shares
  std::vector<int> predict(const Tensor& q) const;

  bool fitted() const { return train_.defined(); }
  const KnnOptions& options() const { return options_; }
  int num_classes() const { return num_classes_; }
  // Per-column statistics from fit() (mean 0 / std 1 when standardise is off).
  const std::vector<float>& mean() const { return mean_; }
  const std::vector<float>& stddev() const { return std_; }

 private:
  // Neighbour indices/keys copied to the host, and the votes per class in double.
  std::vector<double> votes(const Tensor& q, int64_t* m) const;
  Tensor transform(const Tensor& x, Tensor* sqnorm) const;

  KnnOptions options_;
  bool cosine_ = false;
  Tensor train_;         // transformed training rows [N, D]
  Tensor train_sqnorm_;  // [N]
  Tensor mean_dev_, scale_dev_;
  std::vector<float> mean_, std_;
  std::vector<int> labels_;
  int num_classes_ = 0;
};

}  // namespace mgr::knn
