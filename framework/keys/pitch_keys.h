// The keys of the pitch_histogram type (features.*; framework/features/pitch.h): the pitch range
// searched (Hz), the |X|^k compression of the generalised autocorrelation, Tolonen &
// Karjalainen's enhancement, and the output.
#pragma once

#include <string>
#include <vector>

#include "framework/keys/key.h"

namespace mgr::features {

struct FeatureRule;

struct PitchKeys {
  double pitch_fmin = 40.0;
  double pitch_fmax = 1000.0;
  double pitch_compression = 0.67;
  bool pitch_enhance = true;
  // summary [FA0, UP0, FP0, IPO1, SU0] or full (+ folded [12] and unfolded [128] histograms)
  std::string pitch_histogram_output = "summary";

  static const std::vector<keys::Key<PitchKeys>>& keys() {
    using namespace mgr::keys;
    using K = PitchKeys;
    static const std::vector<Key<K>> k = {
        key(&K::pitch_fmin, "pitch_fmin",
            "pitch_histogram: lowest pitch searched (Hz); the longest autocorrelation lag, "
            "ceil(sample_rate / pitch_fmin), must stay below n_fft / 2",
            greater_than(0.0)),
        key(&K::pitch_fmax, "pitch_fmax",
            "pitch_histogram: highest pitch searched (Hz); the shortest lag is "
            "floor(sample_rate / pitch_fmax)",
            greater_than(0.0)),
        key(&K::pitch_compression, "pitch_compression",
            "pitch_histogram: exponent k of the generalised autocorrelation IDFT(|X|^k) "
            "(Tolonen & Karjalainen: 0.67; 2: the plain autocorrelation)",
            rule<double>("in (0, 2]", [](const double& v) { return v > 0 && v <= 2; })),
        key(&K::pitch_enhance, "pitch_enhance",
            "pitch_histogram: enhanced summary autocorrelation (subtract it stretched by 2, "
            "which removes the peaks at twice a period)"),
        key(&K::pitch_histogram_output, "pitch_histogram_output",
            "pitch_histogram: summary [FA0, UP0, FP0, IPO1, SU0] or full (those, the folded "
            "histogram [12] and the unfolded histogram [128], both divided by their sum)",
            one_of({"summary", "full"})),
    };
    return k;
  }
  static std::vector<FeatureRule> rules();  // pitch_keys.cpp
};

}  // namespace mgr::features
