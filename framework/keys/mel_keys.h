// The mel filterbank keys (features.*): log_mel, mel, mfcc, rhythm and beat_chroma read them.
#pragma once

#include <string>
#include <vector>

#include "framework/keys/key.h"

namespace mgr::features {

struct FeatureRule;

struct MelKeys {
  int n_mels = 128;
  double fmin = 0.0;
  double fmax = 0.0;                 // 0: sample_rate / 2
  std::string mel_scale = "slaney";  // slaney | htk
  std::string mel_norm = "slaney";   // slaney | none
  double power = 2.0;

  static const std::vector<keys::Key<MelKeys>>& keys() {
    using namespace mgr::keys;
    using K = MelKeys;
    static const std::vector<Key<K>> k = {
        key(&K::n_mels, "n_mels", "number of mel bands", at_least(1)),
        key(&K::fmin, "fmin", "lowest mel band edge (Hz)", at_least(0.0)),
        key(&K::fmax, "fmax", "highest mel band edge (Hz); 0: sample_rate / 2", at_least(0.0)),
        key(&K::mel_scale, "mel_scale", "mel scale: slaney (librosa) or htk (torchaudio)",
            one_of({"slaney", "htk"})),
        key(&K::mel_norm, "mel_norm", "mel filter normalisation: slaney (area) or none",
            one_of({"slaney", "none"})),
        key(&K::power, "power", "spectrogram exponent: 1 magnitude, 2 power",
            one_of_numbers({1.0, 2.0})),
    };
    return k;
  }
  static std::vector<FeatureRule> rules();  // mel_keys.cpp
};

}  // namespace mgr::features
