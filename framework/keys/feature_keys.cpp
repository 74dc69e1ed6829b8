#include "framework/keys/feature_keys.h"

#include <algorithm>

#include "kernels/shared/stft_frame.h"

namespace mgr::features {

bool FeatureKeyContext::computes(const std::string& stage) const {
  return type == stage ||
         (type == "vectors" && std::find(vectors.begin(), vectors.end(), stage) != vectors.end());
}

int64_t FeatureKeyContext::frames_per_clip(const FramingKeys& f) const {
  return kernels::stft_num_frames(clip_samples, f.n_fft, std::max(f.hop_length, 1), f.center);
}

const std::vector<FeatureRule>& feature_rules() {
  static const std::vector<FeatureRule> rules = [] {
    std::vector<FeatureRule> all;
    for (auto part : {FramingKeys::rules(), MelKeys::rules(), StftKeys::rules(), MfccKeys::rules(),
                      PitchKeys::rules()})
      all.insert(all.end(), part.begin(), part.end());
    return all;
  }();
  return rules;
}

}  // namespace mgr::features
