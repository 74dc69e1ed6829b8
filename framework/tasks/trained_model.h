// A trained model read back from its run directory, for classifying audio that was never part
// of the corpus: the resolved config (config.yaml), the training split's standardisation
// statistics (metrics.json: data.standardisation), the class names and the checkpoint(s). The
// audio goes through the same path as in training: cut into data.clip_seconds clips every
// data.clip_hop_seconds, features by features::FeaturePipeline on the chosen device (through
// train::compute_features, so features.upload and crop_frames act as they did), standardised
// with the stored statistics, then the network in evaluation mode.
//   model.type network: best_model.h5 and plan_classifier(cfg);
//   model.type tree: nodes/<name>/best_model.h5 per node, plan_tree_node(node_config(...));
//     the clip's genre probabilities are the soft path products, its decision hard routing;
//   model.type knn: refused (the run keeps no training set to search).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/features/standardise.h"
#include "framework/tensor/tensor.h"

namespace mgr::infer {

// What the model says about the clips of one piece of audio.
struct ClipScores {
  int64_t clips = 0;
  std::vector<float> probs;      // [clips, classes]: softmax (network) or soft path products (tree)
  std::vector<int> decisions;    // per clip: argmax (network) or hard routing (tree)
  std::vector<int64_t> offsets;  // first sample of each clip
  bool padded = false;           // the audio was shorter than one clip and was zero-padded
};

// What a network's penultimate layer (the input of its last layer) makes of some clips, beside
// its class probabilities: the embedding a Frechet distance between sets of clips is taken on.
struct ClipEmbeddings {
  int64_t clips = 0;
  int dim = 0;
  std::vector<float> values;  // [clips, dim]
  std::vector<float> probs;   // [clips, classes]
};

class TrainedModel {
 public:
  // `path`: a run directory, or a checkpoint inside one (RUN_DIR/best_model.h5 means RUN_DIR).
  // `device`: auto | cpu | cuda | cuda:N (auto prefers a usable GPU). Throws mgr::Error naming
  // the missing or inconsistent file, and for a knn run.
  static TrainedModel load(const std::string& path, const std::string& device = "auto");

  TrainedModel(TrainedModel&&) noexcept;
  TrainedModel& operator=(TrainedModel&&) noexcept;
  ~TrainedModel();

  const std::string& run_dir() const;
  const config::ExperimentConfig& config() const;
  const std::string& model_type() const;  // network | tree
  const std::vector<std::string>& class_names() const;
  int num_classes() const;
  int sample_rate() const;  // audio must be at this rate (data::load_audio resamples)
  int64_t clip_samples() const;
  int64_t hop_samples() const;
  // Clips every `seconds` from now on instead of every data.clip_hop_seconds (classify --hop:
  // overlapping clips for a denser vote); throws mgr::Error unless it gives at least one sample.
  void set_hop_seconds(double seconds);
  Device device() const;
  const features::NormalisationStats& standardisation() const;

  // Clip starts for audio of `num_samples`: 0, hop, 2 hop, ... while the clip fits (what
  // data::segment_clips cuts); one clip at 0 when the audio is shorter than a clip.
  std::vector<int64_t> clip_offsets(int64_t num_samples) const;

  // Standardised features of the clips at `offsets` of `audio` ([n, clip shape...] on device());
  // clips running past the end are zero-padded.
  Tensor clip_features(const std::vector<float>& audio, const std::vector<int64_t>& offsets,
                       int batch_clips = 64);
  // The model on standardised features [n, ...] in batches of `batch_clips`.
  ClipScores score_features(const Tensor& features, int batch_clips = 64);

  // model.type network only: the penultimate layer's output (flattened per clip) and the
  // softmax of standardised features [n, ...], in evaluation mode.
  ClipEmbeddings embed_features(const Tensor& features, int batch_clips = 64);

  // Every clip of `audio` (mono, sample_rate()): features, standardisation and the model.
  ClipScores score(const std::vector<float>& audio, int batch_clips = 64);
  // score(audio).probs: [clips, classes] genre probabilities.
  std::vector<float> clip_probabilities(const std::vector<float>& audio, int batch_clips = 64);

 private:
  struct Impl;
  explicit TrainedModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mgr::infer
