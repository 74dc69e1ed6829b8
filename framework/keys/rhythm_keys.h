// The keys of the rhythm type (features.*): the beat histogram of the onset envelope.
#pragma once

#include <vector>

#include "framework/keys/key.h"

namespace mgr::features {

struct RhythmKeys {
  int tempogram_win = 384;        // autocorrelation window (frames) of the onset envelope
  int beat_histogram_bins = 161;  // BPM bins from 40 to 200

  static const std::vector<keys::Key<RhythmKeys>>& keys() {
    using namespace mgr::keys;
    using K = RhythmKeys;
    static const std::vector<Key<K>> k = {
        key(&K::tempogram_win, "tempogram_win",
            "autocorrelation tempogram window (onset frames); no feature type reads the "
            "tempogram yet",
            in_closed(1, 65536)),
        key(&K::beat_histogram_bins, "beat_histogram_bins",
            "rhythm: BPM bins of the beat histogram (40..200)", in_closed(2, 4096)),
    };
    return k;
  }
};

}  // namespace mgr::features
