#include <fmt/format.h>

#include <cmath>

#include "framework/keys/feature_keys.h"

namespace mgr::features {

std::vector<FeatureRule> PitchKeys::rules() {
  using R = std::optional<std::string>;
  return {
      {{"data.sample_rate", "features.type", "features.vectors"},
       "sample_rate > 2000 when pitch_histogram is computed (its bands split at 1 kHz)",
       [](const StageKeys&, const FeatureKeyContext& x) -> R {
         if (!x.computes("pitch_histogram") || x.sample_rate > 2000) return std::nullopt;
         return fmt::format("must be > 2000 for pitch_histogram (its bands split at 1 kHz), got {}",
                            x.sample_rate);
       }},
      {{"features.pitch_fmax", "features.pitch_fmin", "data.sample_rate", "features.type",
        "features.vectors"},
       "pitch_fmin < pitch_fmax <= sample_rate / 2 when pitch_histogram is computed",
       [](const StageKeys& f, const FeatureKeyContext& x) -> R {
         if (!x.computes("pitch_histogram") ||
             (f.pitch_fmin < f.pitch_fmax && f.pitch_fmax <= x.sample_rate / 2.0))
           return std::nullopt;
         return fmt::format(
             "must be in (features.pitch_fmin = {}, data.sample_rate / 2 = {}], got {}",
             f.pitch_fmin, x.sample_rate / 2.0, f.pitch_fmax);
       }},
      {{"features.pitch_fmin", "features.n_fft", "data.sample_rate", "features.type",
        "features.vectors"},
       "ceil(sample_rate / pitch_fmin) + 1 <= n_fft / 2 when pitch_histogram is computed (the "
       "longest lag searched fits the frame's autocorrelation)",
       [](const StageKeys& f, const FeatureKeyContext& x) -> R {
         const double lag = std::ceil(x.sample_rate / f.pitch_fmin);
         if (!x.computes("pitch_histogram") || lag + 1 <= f.n_fft / 2) return std::nullopt;
         return fmt::format(
             "must be >= {:.6g} Hz for features.n_fft = {} at data.sample_rate = {} (the longest "
             "lag searched, ceil(sample_rate / pitch_fmin) = {}, must be <= n_fft / 2 - 1 = {}), "
             "got {}",
             x.sample_rate / (f.n_fft / 2 - 1.0), f.n_fft, x.sample_rate, lag, f.n_fft / 2 - 1,
             f.pitch_fmin);
       }},
  };
}

}  // namespace mgr::features
