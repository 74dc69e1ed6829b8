#include <fmt/format.h>

#include "framework/keys/feature_keys.h"

namespace mgr::features {

namespace {

double effective_fmax(const MelKeys& f, int sample_rate) {
  return f.fmax > 0 ? f.fmax : sample_rate / 2.0;
}

}  // namespace

std::vector<FeatureRule> MelKeys::rules() {
  using R = std::optional<std::string>;
  return {
      {{"features.n_mels", "features.n_fft"},
       "n_mels <= n_fft / 2 + 1 (the number of FFT bins)",
       [](const StageKeys& f, const FeatureKeyContext&) -> R {
         const int bins = f.n_fft / 2 + 1;
         if (f.n_mels <= bins) return std::nullopt;
         return fmt::format("must be <= features.n_fft / 2 + 1 = {} (features.n_fft = {}), got {}",
                            bins, f.n_fft, f.n_mels);
       }},
      {{"features.fmax", "data.sample_rate"},
       "fmax <= sample_rate / 2 (Nyquist)",
       [](const StageKeys& f, const FeatureKeyContext& x) -> R {
         if (f.fmax <= x.sample_rate / 2.0) return std::nullopt;
         return fmt::format("must be <= data.sample_rate / 2 = {} (data.sample_rate = {}), got {}",
                            x.sample_rate / 2.0, x.sample_rate, f.fmax);
       }},
      {{"features.fmin", "features.fmax", "data.sample_rate"},
       "fmin < fmax (fmax 0: sample_rate / 2)",
       [](const StageKeys& f, const FeatureKeyContext& x) -> R {
         if (f.fmin < effective_fmax(f, x.sample_rate)) return std::nullopt;
         return fmt::format(
             "must be < the effective features.fmax = {} (features.fmax = {}, data.sample_rate "
             "= {}), got {}",
             effective_fmax(f, x.sample_rate), f.fmax, x.sample_rate, f.fmin);
       }},
  };
}

}  // namespace mgr::features
