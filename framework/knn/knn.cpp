#include "framework/knn/knn.h"

#include <cmath>

#include "kernels/cpu/knn.h"

#if MGR_WITH_CUDA
#include "framework/tensor/cuda_context.h"
#include "kernels/cuda/knn.h"
#endif

namespace mgr::knn {

KnnClassifier::KnnClassifier(KnnOptions options) : options_(std::move(options)) {
  const KnnOptions& o = options_;
  MGR_CHECK(o.k >= 1, "knn: k must be >= 1, got " << o.k);
  MGR_CHECK(o.metric == "euclidean" || o.metric == "cosine",
            "knn: unknown metric '" << o.metric << "' (euclidean or cosine)");
  MGR_CHECK(o.vote == "majority" || o.vote == "distance",
            "knn: unknown vote '" << o.vote << "' (majority or distance)");
  MGR_CHECK(
      o.group_weights.empty() || o.group_weights.size() == o.groups.size(),
      "knn: " << o.group_weights.size() << " group weights for " << o.groups.size() << " groups");
  for (float w : o.group_weights)
    MGR_CHECK(std::isfinite(w) && w >= 0.f, "knn: group weight " << w << " is not finite >= 0");
  for (const auto& [b, e] : o.groups)
    MGR_CHECK(0 <= b && b < e, "knn: empty or negative group [" << b << ", " << e << ")");
  cosine_ = o.metric == "cosine";
}

Tensor KnnClassifier::transform(const Tensor& x, Tensor* sqnorm) const {
  const int64_t rows = x.dim(0), d = x.dim(1);
  Tensor out = Tensor::empty({rows, d}, DType::F32, x.device());
  *sqnorm = Tensor::empty({rows}, DType::F32, x.device());
  if (x.is_cuda()) {
#if MGR_WITH_CUDA
    cuda::DeviceGuard g(x.device().index);
    kernels::cuda::knn_transform_rows(x.f32(), out.f32(), sqnorm->f32(), rows, d, mean_dev_.f32(),
                                      scale_dev_.f32(), cosine_, cuda::stream(x.device().index));
#endif
  } else {
    kernels::cpu::knn_transform_rows(x.f32(), out.f32(), sqnorm->f32(), rows, d, mean_dev_.f32(),
                                     scale_dev_.f32(), cosine_);
  }
  return out;
}

void KnnClassifier::fit(const Tensor& x, const std::vector<int>& labels, int num_classes) {
  MGR_CHECK(x.dtype() == DType::F32 && x.ndim() == 2,
            "knn fit: f32 [N, D] expected, got " << x.str());
  const int64_t n = x.dim(0), d = x.dim(1);
  MGR_CHECK(d >= 1, "knn fit: no feature columns in " << x.str());
  MGR_CHECK(n <= INT32_MAX, "knn fit: more than 2^31 - 1 training rows");
  MGR_CHECK(static_cast<int64_t>(labels.size()) == n,
            "knn fit: " << labels.size() << " labels for " << n << " rows");
  MGR_CHECK(num_classes >= 1, "knn fit: num_classes must be >= 1, got " << num_classes);
  for (size_t i = 0; i < labels.size(); ++i)
    MGR_CHECK(
        labels[i] >= 0 && labels[i] < num_classes,
        "knn fit: label " << labels[i] << " of row " << i << " outside [0, " << num_classes << ")");
  MGR_CHECK(options_.k <= n,
            "knn fit: k = " << options_.k << " exceeds the " << n << " training rows");
  // Column weights from the groups.
  std::vector<double> w(static_cast<size_t>(d), 1.0);
  std::vector<char> covered(static_cast<size_t>(d), 0);
  for (size_t g = 0; g < options_.groups.size(); ++g) {
    const auto [b, e] = options_.groups[g];
    MGR_CHECK(e <= d, "knn fit: group [" << b << ", " << e << ") beyond the " << d << " columns");
    for (int64_t j = b; j < e; ++j) {
      MGR_CHECK(!covered[j], "knn fit: column " << j << " is in two groups");
      covered[j] = 1;
      if (!options_.group_weights.empty()) w[j] = options_.group_weights[g];
    }
  }
  // Column statistics on the host, in double.
  mean_.assign(static_cast<size_t>(d), 0.f);
  std_.assign(static_cast<size_t>(d), 1.f);
  if (options_.standardise && n > 0) {
    const Tensor xc = x.cpu();
    const float* p = xc.f32();
    std::vector<double> s(static_cast<size_t>(d), 0.0), s2(static_cast<size_t>(d), 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j) s[j] += p[i * d + j];
    for (int64_t j = 0; j < d; ++j) s[j] /= double(n);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j) {
        const double c = p[i * d + j] - s[j];
        s2[j] += c * c;
      }
    for (int64_t j = 0; j < d; ++j) {
      const double sd = std::sqrt(s2[j] / double(n));
      mean_[j] = static_cast<float>(s[j]);
      std_[j] = sd > 0.0 && std::isfinite(sd) ? static_cast<float>(sd) : 1.f;
    }
  }
  std::vector<float> scale(static_cast<size_t>(d));
  for (int64_t j = 0; j < d; ++j) scale[j] = static_cast<float>(std::sqrt(w[j]) / std_[j]);
  mean_dev_ = Tensor::from_vector(mean_, {d}, x.device());
  scale_dev_ = Tensor::from_vector(scale, {d}, x.device());
  labels_ = labels;
  num_classes_ = num_classes;
  train_ = transform(x, &train_sqnorm_);
}

Neighbours KnnClassifier::kneighbors(const Tensor& q) const {
  MGR_CHECK(fitted(), "knn: kneighbors before fit");
  MGR_CHECK(q.dtype() == DType::F32 && q.ndim() == 2,
            "knn: queries must be f32 [M, D], got " << q.str());
  MGR_CHECK(q.dim(1) == train_.dim(1),
            "knn: queries have " << q.dim(1) << " columns, the fitted data " << train_.dim(1));
  MGR_CHECK(q.device() == train_.device(),
            "knn: queries on " << q.device().str() << ", fitted on " << train_.device().str());
  const int64_t m = q.dim(0), n = train_.dim(0), d = train_.dim(1);
  const int k = options_.k;
  Tensor qn;
  const Tensor qt = transform(q, &qn);
  Tensor idx = Tensor::empty({m, k}, DType::I32, q.device());
  Tensor key = Tensor::empty({m, k}, DType::F32, q.device());
  if (q.is_cuda()) {
#if MGR_WITH_CUDA
    const int dev = q.device().index;
    cuda::DeviceGuard g(dev);
    const int64_t tile = kernels::cuda::knn_query_tile(m, n);
    const size_t bytes = kernels::cuda::knn_scratch_bytes(tile, n, cuda::stream(dev));
    kernels::cuda::knn_search(cuda::cublas(dev), cuda::stream(dev), qt.f32(), qn.f32(), m,
                              train_.f32(), train_sqnorm_.f32(), n, d, k, cosine_, idx.i32(),
                              key.f32(), cuda::workspace(dev, bytes), bytes);
#endif
  } else {
    kernels::cpu::knn_search(qt.f32(), qn.f32(), m, train_.f32(), train_sqnorm_.f32(), n, d, k,
                             cosine_, idx.i32(), key.f32());
  }
  if (!cosine_) {  // reported distance: the square root of the ranked squared distance
    Tensor kc = key.cpu();
    float* p = kc.f32();
    for (int64_t i = 0; i < kc.numel(); ++i) p[i] = std::sqrt(p[i]);
    key = kc.to(q.device());
  }
  return {idx, key};
}

std::vector<double> KnnClassifier::votes(const Tensor& q, int64_t* m) const {
  const Neighbours nb = kneighbors(q);
  const std::vector<int32_t> idx = nb.indices.to_vector_i32();
  const std::vector<float> dist = nb.distances.to_vector();
  const int k = options_.k, c = num_classes_;
  *m = q.dim(0);
  std::vector<double> v(static_cast<size_t>(*m) * c, 0.0);
  const bool by_distance = options_.vote == "distance";
  for (int64_t i = 0; i < *m; ++i) {
    double* row = v.data() + i * c;
    const int32_t* ni = idx.data() + i * k;
    const float* nd = dist.data() + i * k;
    bool exact = false;
    if (by_distance)
      for (int t = 0; t < k; ++t) exact = exact || nd[t] <= 0.f;
    for (int t = 0; t < k; ++t) {
      double wt = 1.0;
      if (by_distance) wt = exact ? (nd[t] <= 0.f ? 1.0 : 0.0) : 1.0 / double(nd[t]);
      row[labels_[ni[t]]] += wt;
    }
  }
  return v;
}

Tensor KnnClassifier::predict_proba(const Tensor& q) const {
  int64_t m = 0;
  const std::vector<double> v = votes(q, &m);
  const int c = num_classes_;
  std::vector<float> p(v.size());
  for (int64_t i = 0; i < m; ++i) {
    double s = 0.0;
    for (int j = 0; j < c; ++j) s += v[i * c + j];
    for (int j = 0; j < c; ++j) p[i * c + j] = static_cast<float>(v[i * c + j] / s);
  }
  return Tensor::from_vector(p, {m, c}, q.device());
}

std::vector<int> KnnClassifier::predict(const Tensor& q) const {
  int64_t m = 0;
  const std::vector<double> v = votes(q, &m);
  const int c = num_classes_;
  std::vector<int> out(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) {
    int best = 0;
    for (int j = 1; j < c; ++j)
      if (v[i * c + j] > v[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}

}  // namespace mgr::knn
