#include "framework/store/feature_source.h"

#include <algorithm>
#include <cmath>

#include "framework/features/normalise.h"
#include "framework/store/feature_table.h"
#include "framework/tensor/index.h"
#include "kernels/cpu/band_stats.h"
#include "kernels/cpu/reduce.h"

namespace mgr::train {

Tensor FeatureSource::training_batch(const std::vector<int>& idx, const AudioAugment& audio) {
  MGR_CHECK(!audio,
            "train.augment: audio transforms need features computed from the audio of each "
            "batch (features.mode on_the_fly); this run's features are precomputed");
  return batch(idx);
}

namespace {

class Precomputed final : public FeatureSource {
 public:
  explicit Precomputed(Tensor table) : table_(std::move(table)) {}
  Tensor batch(const std::vector<int>& idx) override {
    std::vector<int32_t> rows(idx.begin(), idx.end());
    return gather_rows(table_, rows);
  }
  Shape clip_shape() const override {
    return Shape(table_.shape().begin() + 1, table_.shape().end());
  }

 private:
  Tensor table_;
};

class OnTheFly final : public FeatureSource {
 public:
  OnTheFly(const data::Dataset& ds, features::FeaturePipeline& p, features::NormalisationStats s)
      : ds_(ds), pipeline_(p), stats_(std::move(s)) {}
  Tensor batch(const std::vector<int>& idx) override { return training_batch(idx, {}); }
  Tensor training_batch(const std::vector<int>& idx, const AudioAugment& audio) override {
    ComputeOptions opt;
    opt.batch_clips = std::max<int>(1, static_cast<int>(idx.size()));
    opt.audio_transform = audio.transform;
    opt.place = audio.place;
    Tensor t = compute_features(ds_, idx, pipeline_, opt);
    features::apply_normalisation_(t, stats_);
    return t;
  }
  bool computes_from_audio() const override { return true; }
  Shape clip_shape() const override { return pipeline_.output_shape(ds_.clip_samples); }

 private:
  const data::Dataset& ds_;
  features::FeaturePipeline& pipeline_;
  features::NormalisationStats stats_;
};

}  // namespace

std::unique_ptr<FeatureSource> precomputed_source(Tensor table) {
  return std::make_unique<Precomputed>(std::move(table));
}

std::unique_ptr<FeatureSource> on_the_fly_source(const data::Dataset& ds,
                                                 features::FeaturePipeline& pipeline,
                                                 features::NormalisationStats stats) {
  return std::make_unique<OnTheFly>(ds, pipeline, std::move(stats));
}

features::NormalisationStats streamed_normalisation_statistics(
    const data::Dataset& ds, const std::vector<int>& train_clips,
    features::FeaturePipeline& pipeline, const std::string& mode, int chunk_clips,
    const std::function<void(int64_t, int64_t)>& progress) {
  features::NormalisationStats s;
  s.mode = mode;
  if (mode == "none") return s;
  MGR_CHECK(!train_clips.empty(), "normalisation: no training clips");
  MGR_CHECK(mode == "global" || mode == "per_band", "features.normalize " << mode << " unknown");
  MGR_CHECK(chunk_clips >= 1, "streamed normalisation: chunk_clips = " << chunk_clips);
  const int64_t total = static_cast<int64_t>(train_clips.size());
  // global: running sums of each clip's moments, in train_clips order.
  double sum = 0, sumsq = 0, count = 0;
  // per_band: merged count, mean and sum of squared deviations per band (double).
  double n = 0;
  // A single chunk merges into (0, 0, 0) exactly: float mean x integer count and float std
  // squared are exact in double, so its own statistics come back bit for bit.
  std::vector<double> mean, m2;
  for (int64_t c0 = 0; c0 < total; c0 += chunk_clips) {
    const int64_t c1 = std::min<int64_t>(total, c0 + chunk_clips);
    const std::vector<int> idx(train_clips.begin() + c0, train_clips.begin() + c1);
    ComputeOptions opt;
    opt.batch_clips = chunk_clips;
    const Tensor t = compute_features(ds, idx, pipeline, opt);
    if (mode == "global") {
      std::vector<double> rs, rq;
      row_moments(t, rs, rq);
      for (size_t i = 0; i < idx.size(); ++i) sum += rs[i], sumsq += rq[i];
      count += double(idx.size()) * double(t.numel() / t.dim(0));
    } else {
      const Tensor bands = features::band_view(t);
      std::vector<int> all(idx.size());
      for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
      const features::BandStats b = features::band_statistics(bands, all);
      const double nb = double(idx.size()) * double(bands.ndim() == 3 ? bands.dim(2) : 1);
      if (mean.empty()) mean.assign(b.mean.size(), 0.0), m2.assign(b.mean.size(), 0.0);
      MGR_CHECK(mean.size() == b.mean.size(), "streamed normalisation: band count changed");
      for (size_t d = 0; d < mean.size(); ++d) {
        const double mb = b.mean[d], vb = double(b.stddev[d]) * b.stddev[d];
        const double delta = mb - mean[d], merged = n + nb;
        mean[d] += delta * nb / merged;
        m2[d] += vb * nb + delta * delta * n * nb / merged;
      }
      n += nb;
    }
    if (progress) progress(c1, total);
  }
  if (mode == "global") {
    const double m = sum / count;
    s.mean = {static_cast<float>(m)};
    s.stddev = {static_cast<float>(std::sqrt(std::max(sumsq / count - m * m, 1e-12)))};
  } else {
    for (size_t d = 0; d < mean.size(); ++d) {
      s.mean.push_back(static_cast<float>(mean[d]));
      s.stddev.push_back(static_cast<float>(std::sqrt(m2[d] / n)));
    }
  }
  return s;
}

features::NormalisationStats streamed_normalisation_statistics(
    const std::vector<int>& train_clips, const std::function<Tensor(const std::vector<int>&)>& rows,
    const std::string& mode, int chunk_clips,
    const std::function<void(int64_t, int64_t)>& progress) {
  features::NormalisationStats s;
  s.mode = mode;
  if (mode == "none") return s;
  MGR_CHECK(!train_clips.empty(), "normalisation: no training clips");
  MGR_CHECK(mode == "global" || mode == "per_band", "features.normalize " << mode << " unknown");
  MGR_CHECK(chunk_clips >= 1, "streamed normalisation: chunk_clips = " << chunk_clips);
  const int64_t total = static_cast<int64_t>(train_clips.size());
  // The arithmetic of normalisation_statistics on the whole table, chunk by chunk: each clip's
  // sums are its own (row_moments, band_partial_sums), and they are reduced in train_clips order
  // by the same code, so the statistics are the same bits as from the table in memory (CPU).
  double sum = 0, sumsq = 0, count = 0;
  int64_t D = 0, T = 0;
  std::vector<double> partial, mean, var;
  const int passes = mode == "global" ? 1 : 2;
  for (int pass = 0; pass < passes; ++pass) {
    for (int64_t c0 = 0; c0 < total; c0 += chunk_clips) {
      const int64_t c1 = std::min<int64_t>(total, c0 + chunk_clips);
      const std::vector<int> idx(train_clips.begin() + c0, train_clips.begin() + c1);
      const Tensor t = rows(idx).cpu();
      const int64_t n = t.dim(0), cols = t.numel() / std::max<int64_t>(n, 1);
      MGR_CHECK(n == c1 - c0,
                "streamed normalisation: asked for " << c1 - c0 << " rows, got " << n);
      if (mode == "global") {
        std::vector<double> rs(static_cast<size_t>(n)), rq(static_cast<size_t>(n));
        kernels::cpu::row_moments(rs.data(), rq.data(), t.f32(), n, cols);
        for (int64_t i = 0; i < n; ++i) sum += rs[size_t(i)], sumsq += rq[size_t(i)];
        count += double(n) * double(cols);
      } else {
        const Tensor bands = features::band_view(t);
        if (D == 0) {
          D = bands.dim(1);
          T = bands.ndim() == 3 ? bands.dim(2) : 1;
          partial.assign(size_t(total * D), 0.0);
        }
        std::vector<int32_t> local(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) local[size_t(i)] = int32_t(i);
        kernels::cpu::band_partial_sums(partial.data() + c0 * D, bands.f32(), local.data(), n, D, T,
                                        pass == 0 ? nullptr : mean.data());
      }
      if (progress) progress(pass * total + c1, passes * total);
    }
    if (mode == "per_band") {
      std::vector<double>& out = pass == 0 ? mean : var;
      out.assign(size_t(D), 0.0);
      kernels::cpu::band_reduce_clips(out.data(), partial.data(), total, D, double(total) * T);
    }
  }
  if (mode == "global") {
    const double m = sum / count;
    s.mean = {static_cast<float>(m)};
    s.stddev = {static_cast<float>(std::sqrt(std::max(sumsq / count - m * m, 1e-12)))};
  } else {
    for (int64_t d = 0; d < D; ++d) {
      s.mean.push_back(static_cast<float>(mean[size_t(d)]));
      s.stddev.push_back(static_cast<float>(std::sqrt(var[size_t(d)])));
    }
  }
  return s;
}

}  // namespace mgr::train
