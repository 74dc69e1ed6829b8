// The STFT framing keys (features.*): every stage that transforms audio reads them.
#pragma once

#include <string>
#include <vector>

#include "framework/keys/key.h"

namespace mgr::features {

struct FeatureRule;

struct FramingKeys {
  int n_fft = 2048;
  int hop_length = 512;
  int win_length = 0;           // 0: n_fft
  std::string window = "hann";  // hann | hamming
  bool center = true;
  std::string pad_mode = "constant";  // constant (librosa >= 0.10) | reflect (torch)

  static const std::vector<keys::Key<FramingKeys>>& keys() {
    using namespace mgr::keys;
    using K = FramingKeys;
    static const std::vector<Key<K>> k = {
        key(&K::n_fft, "n_fft", "FFT size (samples)", at_least(16)),
        key(&K::hop_length, "hop_length", "hop between frames (samples)", at_least(1)),
        key(&K::win_length, "win_length", "window length (samples), centred in the frame; 0: n_fft",
            at_least(0)),
        key(&K::window, "window", "periodic window function", one_of({"hann", "hamming"})),
        key(&K::center, "center", "pad n_fft/2 on both sides so frame t is centred at t*hop"),
        key(&K::pad_mode, "pad_mode",
            "centre padding: constant (zeros, librosa >= 0.10) or reflect (torch)",
            one_of({"constant", "reflect"})),
    };
    return k;
  }
  static std::vector<FeatureRule> rules();  // framing_keys.cpp
};

}  // namespace mgr::features
