#include <fmt/format.h>

#include "framework/keys/feature_keys.h"

namespace mgr::features {

std::vector<FeatureRule> StftKeys::rules() {
  using R = std::optional<std::string>;
  return {
      {{"features.n_fft", "features.type"},
       "stft_compressed needs n_fft = 2048 (paper 003's 1025-bin spectrum)",
       [](const StageKeys& f, const FeatureKeyContext& x) -> R {
         if (x.type != "stft_compressed" || f.n_fft == 2048) return std::nullopt;
         return fmt::format(
             "must be 2048 for features.type stft_compressed (it compresses 1025 bins to 72), "
             "got {}",
             f.n_fft);
       }},
  };
}

}  // namespace mgr::features
