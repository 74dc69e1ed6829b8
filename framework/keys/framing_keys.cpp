#include <fmt/format.h>

#include "framework/keys/feature_keys.h"

namespace mgr::features {

std::vector<FeatureRule> FramingKeys::rules() {
  using R = std::optional<std::string>;
  return {
      {{"features.win_length", "features.n_fft"},
       "win_length <= n_fft",
       [](const StageKeys& f, const FeatureKeyContext&) -> R {
         if (f.win_length <= f.n_fft) return std::nullopt;
         return fmt::format("must be <= features.n_fft = {}, got {}", f.n_fft, f.win_length);
       }},
      {{"features.n_fft", "data.clip_seconds", "data.sample_rate"},
       "n_fft <= samples per clip (clip_seconds * sample_rate)",
       [](const StageKeys& f, const FeatureKeyContext& x) -> R {
         if (f.n_fft <= x.clip_samples) return std::nullopt;
         return fmt::format(
             "must be <= the samples in one clip = {} (data.clip_seconds = {} * data.sample_rate "
             "= {}), got {}",
             x.clip_samples, x.clip_seconds, x.sample_rate, f.n_fft);
       }},
  };
}

}  // namespace mgr::features
