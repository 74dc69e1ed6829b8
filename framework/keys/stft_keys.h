// The keys of the stft and stft_compressed types (features.*).
#pragma once

#include <string>
#include <vector>

#include "framework/keys/key.h"

namespace mgr::features {

struct FeatureRule;

struct StftKeys {
  std::string stft_output = "power";  // magnitude | power | log_power

  static const std::vector<keys::Key<StftKeys>>& keys() {
    using namespace mgr::keys;
    using K = StftKeys;
    static const std::vector<Key<K>> k = {
        key(&K::stft_output, "stft_output",
            "stft / stft_compressed values: magnitude, power or log_power (dB, with amin, "
            "top_db, ref)",
            one_of({"magnitude", "power", "log_power"})),
    };
    return k;
  }
  static std::vector<FeatureRule> rules();  // stft_keys.cpp
};

}  // namespace mgr::features
