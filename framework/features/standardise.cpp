#include "framework/features/standardise.h"

#include <algorithm>
#include <cmath>

#include "framework/features/pipeline.h"  // registry start-up (register_normalise_stages)
#include "framework/tensor/index.h"

namespace mgr::features {

namespace {

struct BandNormaliser {
  BandStatsFn stats;
  BandApplyFn apply;
};

BandNormaliser& band_normaliser() {
  static BandNormaliser b;
  return b;
}

const BandNormaliser& registered_band_normaliser() {
  registered_feature_types();  // runs the stage files' registration once
  const BandNormaliser& b = band_normaliser();
  MGR_CHECK(b.stats && b.apply,
            "features.normalize per_band is not built into this binary (it comes with "
            "framework/features/register_normalise.cpp; see framework/features/stage_list.h)");
  return b;
}

}  // namespace

void register_band_normaliser(BandStatsFn stats, BandApplyFn apply) {
  band_normaliser() = {std::move(stats), std::move(apply)};
}

Tensor band_view(const Tensor& table) {
  if (table.ndim() == 4)
    return table.reshape({table.dim(0), table.dim(1) * table.dim(2), table.dim(3)});
  MGR_CHECK(table.ndim() == 2 || table.ndim() == 3,
            "normalisation: expected [N, C, D, T], [N, D, T] or [N, D], got " << table.str());
  return table;
}

NormalisationStats normalisation_statistics(const Tensor& table,
                                            const std::vector<int>& train_clips,
                                            const std::string& mode) {
  NormalisationStats s;
  s.mode = mode;
  if (mode == "none") return s;
  MGR_CHECK(!train_clips.empty(), "normalisation: no training clips");
  if (mode == "global") {
    std::vector<double> rs, rq;
    row_moments(table, rs, rq);
    double sum = 0, sumsq = 0;
    for (int i : train_clips) sum += rs[i], sumsq += rq[i];
    const double count = double(train_clips.size()) * double(table.numel() / table.dim(0));
    const double mean = sum / count;
    const double stddev = std::sqrt(std::max(sumsq / count - mean * mean, 1e-12));
    s.mean = {static_cast<float>(mean)};
    s.stddev = {static_cast<float>(stddev)};
    return s;
  }
  MGR_CHECK(mode == "per_band", "features.normalize " << mode << " unknown");
  auto [mean, stddev] = registered_band_normaliser().stats(band_view(table), train_clips);
  s.mean = std::move(mean);
  s.stddev = std::move(stddev);
  return s;
}

void apply_normalisation_(Tensor& table, const NormalisationStats& s) {
  if (s.mode == "none") return;
  if (s.mode == "global") {
    MGR_CHECK(s.mean.size() == 1 && s.stddev.size() == 1, "global normalisation: one mean/std");
    const double stddev = std::max<double>(s.stddev[0], 1e-6);
    affine_(table, static_cast<float>(1.0 / stddev), static_cast<float>(-s.mean[0] / stddev));
    return;
  }
  MGR_CHECK(s.mode == "per_band", "features.normalize " << s.mode << " unknown");
  Tensor bands = band_view(table);
  MGR_CHECK(int64_t(s.mean.size()) == bands.dim(1) && s.stddev.size() == s.mean.size(),
            "per_band normalisation: " << s.mean.size() << " bands stored, the features have "
                                       << bands.dim(1));
  registered_band_normaliser().apply(bands, s.mean, s.stddev);
}

}  // namespace mgr::features
