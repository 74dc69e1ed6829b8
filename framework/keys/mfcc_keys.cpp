#include <fmt/format.h>

#include "framework/keys/feature_keys.h"

namespace mgr::features {

std::vector<FeatureRule> MfccKeys::rules() {
  using R = std::optional<std::string>;
  return {
      {{"features.n_mfcc", "features.n_mels", "features.type"},
       "n_mfcc <= n_mels when type is mfcc or mfcc_stats",
       [](const StageKeys& f, const FeatureKeyContext& x) -> R {
         if ((x.type != "mfcc" && x.type != "mfcc_stats") || f.n_mfcc <= f.n_mels)
           return std::nullopt;
         return fmt::format("must be <= features.n_mels = {} (the DCT input), got {}", f.n_mels,
                            f.n_mfcc);
       }},
      {{"features.deltas", "features.type"},
       "deltas = 0 when type is mfcc_stats (a clip vector has no frames to differentiate)",
       [](const StageKeys& f, const FeatureKeyContext& x) -> R {
         if (x.type != "mfcc_stats" || f.deltas == 0) return std::nullopt;
         return fmt::format("must be 0 for features.type mfcc_stats, got {}", f.deltas);
       }},
      {{"features.delta_width", "features.deltas", "features.type", "features.hop_length",
        "data.clip_seconds", "data.sample_rate"},
       "delta_width <= frames per clip when mfcc deltas are on",
       [](const StageKeys& f, const FeatureKeyContext& x) -> R {
         if (x.type != "mfcc" || f.deltas == 0 || f.delta_width <= x.frames_per_clip(f))
           return std::nullopt;
         return fmt::format("must be <= the {} frames in one clip when features.deltas > 0, got {}",
                            x.frames_per_clip(f), f.delta_width);
       }},
  };
}

}  // namespace mgr::features
