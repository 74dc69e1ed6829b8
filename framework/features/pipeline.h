// The feature pipeline: builds the feature selected by features.type from audio, on either
// device, with every parameter taken from the experiment config.
//
// Each feature type is a registered "stage" (a shape function + a compute function). Stages ask
// the per-call FeatureContext for named intermediate results ("mel_db", "stft_power",
// "onset_env", ...); the context computes each at most once per call, so a type that needs a
// spectrogram twice (beat_chroma: chroma and onset envelope) runs one STFT per batch.
// Intermediates and stages are registered by framework/features/register_<name>.cpp files, one
// per feature module; stage_list.h names the ones compiled in.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/tensor/tensor.h"

namespace mgr::features {

// Bump whenever feature code changes the numbers it produces for the same parameters: it is
// part of every feature-cache key, so old caches are recomputed.
//   2: power_to_db takes the clip reference from the peak power, not the peak dB (<= 3e-5 dB).
constexpr int kFeatureCodeVersion = 2;

class FeatureContext;

struct FeatureStage {
  // false: [C, D, T] per clip (time-frequency); true: [D] per clip (a clip-level vector).
  bool clip_level = false;
  // The per-clip output shape for clips of `num_samples` samples.
  std::function<Shape(const config::FeatureConfig&, int sample_rate, int64_t num_samples)> shape;
  // Audio [B, N] (ctx.audio()) -> [B, shape...] on ctx.device().
  std::function<Tensor(FeatureContext&)> compute;
  // The features.* keys (without "features.") whose values change this type's numbers,
  // including those of every intermediate it reads. They form describe() and the cache key.
  std::vector<std::string> parameters;
  // For clip-level types: the experiment types (later issues) that will consume them.
  std::string consumers;
  // A composite type (vectors): builds the concrete stage from the config (its parts come from
  // features.* keys); the members above are unused until resolved.
  std::function<FeatureStage(const config::FeatureConfig&)> resolve;
};

// Registration (at start-up, from register_<name>_stages(); see stage_list.h). Registering a
// name twice replaces the first.
void register_feature_stage(const std::string& type, FeatureStage stage);
void register_intermediate(const std::string& name, std::function<Tensor(FeatureContext&)> fn);
bool has_feature_stage(const std::string& type);
const FeatureStage& feature_stage(const std::string& type);  // throws naming the built-in types
std::vector<std::string> registered_feature_types();
// The stage of cfg.type, resolved for cfg when composite: what a FeaturePipeline runs.
FeatureStage resolved_feature_stage(const config::FeatureConfig& cfg);

// Objects that live as long as one FeaturePipeline (extractors with their FFT plans).
class PipelineState {
 public:
  template <class T>
  T& get(const std::string& name, const std::function<std::shared_ptr<T>()>& make) {
    auto it = objects_.find(name);
    if (it == objects_.end()) it = objects_.emplace(name, make()).first;
    return *static_cast<T*>(it->second.get());
  }

 private:
  std::map<std::string, std::shared_ptr<void>> objects_;
};

// One pipeline call: the audio, the config and the intermediate results computed so far.
class FeatureContext {
 public:
  FeatureContext(const config::FeatureConfig& cfg, int sample_rate, Device device, Tensor audio,
                 PipelineState& state);
  const Tensor& audio() const { return audio_; }
  const config::FeatureConfig& config() const { return cfg_; }
  int sample_rate() const { return sample_rate_; }
  Device device() const { return device_; }
  // The named intermediate, computed on first use in this call by its registered function.
  const Tensor& get(const std::string& name);
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  template <class T>
  T& state(const std::string& name, const std::function<std::shared_ptr<T>()>& make) {
    return state_.get<T>(name, make);
  }

 private:
  const config::FeatureConfig& cfg_;
  int sample_rate_;
  Device device_;
  Tensor audio_;
  PipelineState& state_;
  std::map<std::string, Tensor> values_;
};

// The keys that change the numbers of cfg's features at `sample_rate`, with their values: type,
// sample_rate, upload, kFeatureCodeVersion, crop_frames (time-frequency types) and every key
// the stage lists (FeatureStage::parameters, from framework/keys/). The one list behind
// the feature cache key (FeaturePipeline::parameters), the GAN judge's same-features check and
// the docs' table of keys per type.
nlohmann::json feature_parameters(const config::FeatureConfig& cfg, int sample_rate);

// docs/config.md's table of those keys per feature type (a test keeps the two identical).
std::string feature_parameters_markdown();

class FeaturePipeline {
 public:
  // Validates that features.type is registered; extractors are built on first use.
  FeaturePipeline(const config::FeatureConfig& cfg, int sample_rate, Device device);

  // audio f32 [B, N] on device() -> [B, C, D, T] (time-frequency) or [B, D] (clip-level).
  Tensor operator()(const Tensor& audio);

  Shape output_shape(int64_t num_samples) const;  // per clip: {C, D, T} or {D}
  bool clip_level() const { return stage_.clip_level; }
  // Every parameter that changes the numbers, as JSON: type, sample rate, upload format, the
  // stage's parameters and kFeatureCodeVersion. Feeds the cache key.
  nlohmann::json parameters() const;
  std::string describe() const { return parameters().dump(); }

  const config::FeatureConfig& config() const { return cfg_; }
  int sample_rate() const { return sample_rate_; }
  Device device() const { return device_; }
  int64_t batches_computed() const { return batches_; }  // calls of operator() (tests count)

 private:
  config::FeatureConfig cfg_;
  int sample_rate_;
  Device device_;
  FeatureStage stage_;
  std::shared_ptr<PipelineState> state_;
  int64_t batches_ = 0;
};

// The per-clip output shape of features.type for clips of `num_samples`, after
// features.crop_frames (time-frequency types keep their first crop_frames frames).
Shape feature_output_shape(const config::FeatureConfig& cfg, int sample_rate, int64_t num_samples);

// Concatenates tensors along `dim` (all other dimensions equal, same device).
Tensor concat(const std::vector<Tensor>& parts, int dim);

}  // namespace mgr::features
