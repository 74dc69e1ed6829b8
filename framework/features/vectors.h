// features.type vectors: several clip-level types computed from one batch and concatenated into
// one [D1 + D2 + ...] vector per clip, in the order of features.vectors (paper 000's fusion of
// timbre, rhythm, pitch and chroma vectors). Each part reads its own features.* keys; parts
// share the pipeline's FeatureContext, so an intermediate two parts read (the STFT power of
// chroma and pitch_histogram, the mel spectrogram of rhythm and beat_chroma) is computed once
// per batch. The cache key holds every part's parameters.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"

namespace mgr::features {

// Columns [begin, end) of the clip vector that one part fills.
struct FeatureGroup {
  std::string name;  // the part's feature type
  int64_t begin = 0;
  int64_t end = 0;
};

// The column groups of the clip vector of cfg.type for clips of num_samples samples: one per
// entry of features.vectors for type vectors, a single group named after the type for any other
// clip-level type. Throws for a time-frequency type (it has no clip vector) and for a bad
// features.vectors list. A distance-based classifier can weight the groups (paper 000).
std::vector<FeatureGroup> feature_groups(const config::FeatureConfig& cfg, int sample_rate,
                                         int64_t num_samples);

}  // namespace mgr::features
