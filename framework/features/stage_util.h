// Small helpers shared by the register_<name>.cpp stage files.
#pragma once

#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/keys/feature_keys.h"
#include "framework/tensor/tensor.h"

namespace mgr::features {

class FeatureContext;
class StftExtractor;

// features.* keys that change the (mel) power spectrogram: framing, window, mel filterbank,
// exponent, from the stages' key structs (framework/keys/). with_db adds the
// power_to_db ones (amin, top_db, ref); `without` drops keys a stage does not read.
const std::vector<std::string>& mel_parameters();
const std::vector<std::string>& framing_parameters();  // n_fft, hop, win, window, center, pad
std::vector<std::string> with_db(std::vector<std::string> p);
std::vector<std::string> join(std::vector<std::string> a, const std::vector<std::string>& b);
std::vector<std::string> without(std::vector<std::string> p, const std::vector<std::string>& drop);

// Frames per clip of num_samples for the config's framing (librosa's STFT frame count).
int stft_frames(const config::FeatureConfig& f, int sample_rate, int64_t num_samples);

// The pipeline's STFT extractor for the config's framing (one per pipeline, shared by every
// stage that transforms audio: the stft_power / stft_magnitude intermediates, pitch_histogram's
// high band).
StftExtractor& stft_extractor(FeatureContext& ctx);

// [B, D, T] -> [B, 1, D, T] (a view).
Tensor one_channel(const Tensor& x);

}  // namespace mgr::features
