// features.normalize = per_band (normalise.h): one mean and standard
// deviation per feature row over the training clips.
#include "framework/features/normalise.h"
#include "framework/features/standardise.h"

namespace mgr::features {

void register_normalise_stages() {
  register_band_normaliser(
      [](const Tensor& bands, const std::vector<int>& train_clips) {
        const BandStats s = band_statistics(bands, train_clips);
        return std::make_pair(s.mean, s.stddev);
      },
      [](Tensor& bands, const std::vector<float>& mean, const std::vector<float>& stddev) {
        apply_band_normalisation_(bands, BandStats{mean, stddev});
      });
}

}  // namespace mgr::features
