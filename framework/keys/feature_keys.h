// Every feature stage's keys in one place to iterate: StageKeys is what FeatureConfig
// (framework/config/experiment_config.h) is made of, beside the keys that belong to no stage
// (type, vectors, normalisation, cache). A stage's keys live in its own header here
// (mfcc_keys.h, ...): the member, its default, its rules and its doc on one line each; the config
// table, the docs and the feature cache key are made from them. A new key of a stage is one
// line in one file: its header.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "framework/keys/chroma_keys.h"
#include "framework/keys/db_keys.h"
#include "framework/keys/framing_keys.h"
#include "framework/keys/mel_keys.h"
#include "framework/keys/mfcc_keys.h"
#include "framework/keys/pitch_keys.h"
#include "framework/keys/rhythm_keys.h"
#include "framework/keys/spectral_keys.h"
#include "framework/keys/stft_keys.h"

namespace mgr::features {

struct StageKeys : FramingKeys,
                   MelKeys,
                   DbKeys,
                   StftKeys,
                   MfccKeys,
                   ChromaKeys,
                   BeatChromaKeys,
                   SpectralKeys,
                   RhythmKeys,
                   PitchKeys {};

// The stages' key structs in the order their keys are listed (config table, docs, resolved
// YAML).
using StageKeyStructs = std::tuple<FramingKeys, MelKeys, DbKeys, StftKeys, MfccKeys, ChromaKeys,
                                   BeatChromaKeys, SpectralKeys, RhythmKeys, PitchKeys>;

// What a feature rule may read besides the stage keys: the keys that belong to no stage and the
// clip the features are computed on.
struct FeatureKeyContext {
  std::string type;                  // features.type
  std::vector<std::string> vectors;  // features.vectors
  int sample_rate = 0;               // data.sample_rate
  double clip_seconds = 0;           // data.clip_seconds
  int64_t clip_samples = 0;          // data::seconds_to_samples(clip_seconds, sample_rate)
  // Whether the features compute `stage`: the type itself, or an entry of features.vectors.
  bool computes(const std::string& stage) const;
  // STFT frames of one clip (kernels::stft_num_frames, as the run computes them).
  int64_t frames_per_clip(const FramingKeys& f) const;
};

// A rule over several keys of a stage (and the clip); `keys[0]` is the key the complaint is
// about, every key a full path ("features.n_fft", "data.sample_rate").
struct FeatureRule {
  std::vector<std::string> keys;
  std::string rule;  // in words, for the docs
  std::function<std::optional<std::string>(const StageKeys&, const FeatureKeyContext&)> check;
};

// Every stage's rules, in StageKeyStructs order.
const std::vector<FeatureRule>& feature_rules();

// The names of the keys of the given structs, in order: a stage's "keys that change the numbers"
// (framework/features/pipeline.h: the feature cache key, the GAN judge's check, the docs).
template <class... S>
std::vector<std::string> key_names_of() {
  std::vector<std::string> out;
  (
      [&] {
        for (const std::string& n : keys::key_names<S>()) out.push_back(n);
      }(),
      ...);
  return out;
}

}  // namespace mgr::features
