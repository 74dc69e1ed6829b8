// The keys of the mfcc and mfcc_stats types (features.*).
#pragma once

#include <string>
#include <vector>

#include "framework/keys/key.h"

namespace mgr::features {

struct FeatureRule;

struct MfccKeys {
  int n_mfcc = 20;
  // The power_to_db reference of the MFCC's dB mel: max (the clip's peak) or one (1.0,
  // librosa.feature.mfcc(y)'s default); replaces features.ref for type mfcc.
  std::string mfcc_ref = "max";
  double lifter = 0.0;  // 0: none
  int deltas = 0;       // 1 appends delta, 2 delta and delta-delta as channels
  int delta_width = 9;

  static const std::vector<keys::Key<MfccKeys>>& keys() {
    using namespace mgr::keys;
    using K = MfccKeys;
    static const std::vector<Key<K>> k = {
        key(&K::n_mfcc, "n_mfcc", "MFCC coefficients kept (orthonormal DCT-II of the dB mel)",
            in_closed(1, 1024)),
        key(&K::mfcc_ref, "mfcc_ref",
            "mfcc: dB reference of the MFCC's mel spectrogram (used instead of features.ref): "
            "max (the clip's peak, ref=np.max) or one (1.0, librosa.feature.mfcc(y)'s default)",
            one_of({"max", "one"})),
        key(&K::lifter, "lifter", "MFCC sinusoidal liftering coefficient; 0: none", at_least(0.0)),
        key(&K::deltas, "deltas",
            "mfcc: 1 appends the delta, 2 the delta and delta-delta as extra input channels",
            in_closed(0, 2)),
        key(&K::delta_width, "delta_width", "frames in the delta filter (librosa width)",
            at_least(3), rule<int>("odd", [](const int& v) { return v % 2 == 1; })),
    };
    return k;
  }
  static std::vector<FeatureRule> rules();  // mfcc_keys.cpp
};

}  // namespace mgr::features
