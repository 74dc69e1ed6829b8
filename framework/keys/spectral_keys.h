// The keys of the spectral type (features.*): Tzanetakis' timbral texture vector.
#pragma once

#include <vector>

#include "framework/keys/key.h"

namespace mgr::features {

struct SpectralKeys {
  double roll_percent = 0.85;  // spectral rolloff
  int low_energy_frames = 0;   // low-energy reference frames (0: whole clip)

  static const std::vector<keys::Key<SpectralKeys>>& keys() {
    using namespace mgr::keys;
    using K = SpectralKeys;
    static const std::vector<Key<K>> k = {
        key(&K::roll_percent, "roll_percent", "spectral rolloff: fraction of the spectral energy",
            rule<double>("in (0, 1)", [](const double& v) { return v > 0 && v < 1; })),
        key(&K::low_energy_frames, "low_energy_frames",
            "spectral: the low-energy fraction counts frames whose RMS is below the mean RMS of "
            "the clip's first N frames (paper 000: 100); 0 takes the whole clip",
            in_closed(0, 1000000)),
    };
    return k;
  }
};

}  // namespace mgr::features
