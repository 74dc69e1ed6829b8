// The keys of the chroma and beat_chroma types (features.*).
#pragma once

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "framework/keys/key.h"

namespace mgr::features {

struct ChromaKeys {
  int n_chroma = 12;
  // Deviation from A440 in fractions of a chroma bin, or "auto" (librosa's estimate_tuning per
  // clip, what chroma_stft(y) does by default). "0": chroma_stft(tuning=0).
  std::string tuning = "0";

  static const std::vector<keys::Key<ChromaKeys>>& keys() {
    using namespace mgr::keys;
    using K = ChromaKeys;
    static const std::vector<Key<K>> k = {
        key(&K::n_chroma, "n_chroma", "chroma bins per octave", in_closed(1, 120)),
        key(&K::tuning, "tuning",
            "chroma, beat_chroma: deviation from A440 in fractions of a chroma bin "
            "(chroma_stft(tuning=x)), or auto: librosa.estimate_tuning per clip "
            "(chroma_stft(y)'s default, tuning=None)",
            Rule<std::string>(
                "auto or a number in [-1, 1]",
                [](const std::string& v) {
                  if (v == "auto") return true;
                  char* end = nullptr;
                  const double x = std::strtod(v.c_str(), &end);
                  return !v.empty() && end == v.c_str() + v.size() && std::isfinite(x) && x >= -1 &&
                         x <= 1;
                },
                false, true)),
    };
    return k;
  }
};

// beat_chroma: chroma vectors averaged between beats, concatenated into one clip vector.
struct BeatChromaKeys {
  int beat_chroma_beats = 30;       // 12 * 30 = 360 values
  std::string beat_tracker = "dp";  // dp (librosa beat_track) | grid (tempo grid)

  static const std::vector<keys::Key<BeatChromaKeys>>& keys() {
    using namespace mgr::keys;
    using K = BeatChromaKeys;
    static const std::vector<Key<K>> k = {
        key(&K::beat_chroma_beats, "beat_chroma_beats",
            "beat_chroma: beat-synchronous chroma vectors concatenated into one clip vector",
            in_closed(1, 1000)),
        key(&K::beat_tracker, "beat_tracker",
            "beat_chroma: dp (Ellis' dynamic programme, librosa.beat.beat_track parity, on the "
            "median onset envelope) or grid (rigid tempo grid on the mean onset envelope)",
            one_of({"dp", "grid"})),
    };
    return k;
  }
};

}  // namespace mgr::features
