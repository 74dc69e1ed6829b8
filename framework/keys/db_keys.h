// The power_to_db keys (features.*): log_mel, rhythm, beat_chroma, stft's log_power, the GAN.
#pragma once

#include <string>
#include <vector>

#include "framework/keys/key.h"

namespace mgr::features {

struct DbKeys {
  double amin = 1e-10;
  double top_db = 80.0;     // <= 0 disables the clamp
  std::string ref = "max";  // max (per clip) | one (ref = 1.0)

  static const std::vector<keys::Key<DbKeys>>& keys() {
    using namespace mgr::keys;
    using K = DbKeys;
    static const std::vector<Key<K>> k = {
        key(&K::amin, "amin", "floor applied before log10 in power_to_db", greater_than(0.0)),
        key(&K::top_db, "top_db", "clamp to this many dB below the peak; <= 0 disables",
            is_finite()),
        key(&K::ref, "ref", "dB reference: max (per clip) or one (1.0)", one_of({"max", "one"})),
    };
    return k;
  }
};

}  // namespace mgr::features
