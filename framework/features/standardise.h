// features.normalize: standardise a feature table [N, ...] with statistics of the training
// clips only. global: one mean and standard deviation over every value of the training clips
// (what run_experiment has always done); per_band: one per feature row (the D rows of
// [N, C, D, T], channels kept apart, or each of the D values of [N, D]); none: unchanged.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "framework/tensor/tensor.h"

namespace mgr::features {

struct NormalisationStats {
  std::string mode;                 // none | global | per_band
  std::vector<float> mean, stddev;  // global: one entry; per_band: one per band; none: empty
};

// Statistics of the rows train_clips of table (either device), computed in double.
NormalisationStats normalisation_statistics(const Tensor& table,
                                            const std::vector<int>& train_clips,
                                            const std::string& mode);
// (x - mean) / std in place, per the statistics' mode. Checks the band count.
void apply_normalisation_(Tensor& table, const NormalisationStats& s);

// The table viewed as bands: [N, C, D, T] -> [N, C*D, T]; [N, D] unchanged.
Tensor band_view(const Tensor& table);

// per_band is computed by the descriptors module (register_normalise.cpp registers it).
using BandStatsFn = std::function<std::pair<std::vector<float>, std::vector<float>>(
    const Tensor& bands, const std::vector<int>& train_clips)>;
using BandApplyFn = std::function<void(Tensor& bands, const std::vector<float>& mean,
                                       const std::vector<float>& stddev)>;
void register_band_normaliser(BandStatsFn stats, BandApplyFn apply);

}  // namespace mgr::features
