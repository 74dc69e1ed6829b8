// Typed experiment configuration: what one YAML file in experiments/ describes. Every field has
// a default here; the YAML may set any of them. Parsing (config/yaml_config.h) rejects unknown
// keys, wrong types and out-of-range values with file:line and the key path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "framework/config/augment_spec.h"
#include "framework/config/layer_spec.h"
#include "framework/config/tree_spec.h"
#include "framework/keys/feature_keys.h"

namespace mgr::config {

struct SyntheticConfig {
  int tracks_per_genre = 30;  // GTZAN has 100; the default keeps a CPU run short
  double track_seconds = 30.0;
  uint64_t seed = 1;  // corpus seed (independent of the experiment seed)
};

// data.source fma: the Free Music Archive's own metadata and split (framework/data/fma.h).
struct FmaConfig {
  std::string metadata;          // fma_metadata/tracks.csv; the audio is under data.root
  std::string subset = "small";  // small | medium | large
};

struct DataConfig {
  std::string source = "synthetic";  // synthetic | gtzan | manifest | fma
  // gtzan, synthetic: <root>/<genre>/<genre>.NNNNN.wav; fma: the audio folder (fma_small)
  std::string root = "data/synthetic-gtzan";
  std::string manifest;  // source manifest: CSV/TSV of path,label[,split][,group][,id]
  FmaConfig fma;
  std::string exclude;              // a file of track ids to leave out (one per line, '#' comments)
  std::vector<std::string> genres;  // empty: the ten GTZAN genres
  int max_tracks_per_genre = 0;     // 0: all
  double max_track_seconds = 1200;  // longer files are skipped (bounds memory per track)
  int sample_rate = 22050;
  double clip_seconds = 3.0;
  double clip_hop_seconds = 3.0;   // hop between clip starts (== clip_seconds: no overlap)
  double pad_short_seconds = 0.0;  // a track at most this much shorter than a clip: padded to one
  // track_stratified | random_clips (leaky) | official | gtzan_fault_filtered
  std::string split = "track_stratified";
  std::vector<double> split_fractions = {0.8, 0.1, 0.1};  // train, validation, test
  uint64_t split_seed = 0;  // seed of the split and folds; 0: the experiment seed (split_seed_of)
  int max_clips_per_track = 0;  // keep the first N clips of each track; 0: all
  SyntheticConfig synthetic;
};

// The stage keys (STFT framing, mel, dB, mfcc, chroma, pitch, ...) are declared by the stages
// themselves, each in its header under framework/keys/ with its default, rules and doc;
// the members here belong to no stage.
struct FeatureConfig : features::StageKeys {
  // log_mel | mel | stft | stft_compressed | mfcc | chroma (time-frequency, [C, D, T] per clip)
  // | beat_chroma | spectral | rhythm | pitch_histogram (clip-level vectors [D]) | vectors (the
  // clip-level types of `vectors` concatenated)
  std::string type = "log_mel";
  // vectors: the clip-level types concatenated, in this order, into one clip vector (paper 000's
  // fused timbre, rhythm, pitch and chroma vectors).
  std::vector<std::string> vectors = {"spectral", "rhythm", "pitch_histogram", "beat_chroma"};
  int crop_frames = 0;  // time-frequency types: keep the first N frames of each clip; 0: all
  std::string normalize = "global";  // none | global (one mean/std) | per_band (train split)
  std::string upload = "float32";    // audio sent to the device as float32 | int16
  std::string mode = "precomputed";  // precomputed (table + cache) | on_the_fly (per batch)
  int batch_clips = 256;             // clips per device batch when computing features
  std::string cache = "auto";        // auto (HDF5 feature cache) | off
  std::string cache_dir = "cache";
  int cache_compression = 0;  // gzip level of the cached features; 0: none
  // Where a run keeps the cached table (precomputed mode with the cache on): memory, disk (batches
  // read from the cache file by a prefetching reader) or auto (memory when the table fits
  // memory_budget_gb). The cache is built a group of tracks at a time either way.
  std::string storage = "auto";
  double memory_budget_gb = 0;  // storage auto: the table's limit in memory; 0: half the machine's
};

// The network as data: a list of named layers (framework/graph/; docs/config.md lists every
// layer type and its keys). The default is paper 001's CRNN (experiments/crnn_gru.yaml).
std::vector<LayerSpec> default_model_layers();

// model.type knn: k nearest neighbours on the clip's feature vector (framework/knn/knn.h).
struct KnnConfig {
  int k = 5;
  std::string metric = "euclidean";  // euclidean | cosine
  std::string vote = "majority";     // majority | distance (1 / distance)
  bool standardise = true;           // per-column mean/std of the training split
  // Distance weights of feature groups (features.vectors parts), by name; groups not named
  // weigh 1.
  std::vector<std::string> groups;
  std::vector<double> weights;
};

// model.type gan: a generator and a discriminator, each a layer list (model.generator,
// model.discriminator), trained adversarially on the clips' time-frequency patches scaled to
// [-1, 1] (framework/tasks/gan/).
struct GanConfig {
  int latent = 100;             // z ~ N(0, I) of this many values: the generator's `input`
  bool conditional = false;     // the genre (one-hot) is the `condition` input of both networks
  std::string init = "normal";  // normal: DCGAN's N(0, init_std) weights | layer: the layers' own
  double init_std = 0.02;
  std::string generator_loss = "non_saturating";  // non_saturating (-log D(G(z))) | minimax
  double real_label = 1.0;     // target of real clips in D's loss (< 1: one-sided label smoothing)
  int sample_every = 1;        // epochs between sample grids (samples/epoch_NNN.png)
  int grid_columns = 8;        // generated (and real) spectrograms per grid row
  std::string classifier_run;  // a classifier run directory judging the samples; "": no metrics
  int eval_samples = 0;        // generated samples per measurement; 0: as many as test clips
  int quality_every = 0;       // epochs between measurements during training; 0: at the end only
};

struct ModelConfig {
  // network: one classifier from `layers`; tree: a tree of classifiers (`tree`), each node a
  // network from `layers` with `units: children` on its output; knn: no network (`knn`);
  // gan: `generator` and `discriminator` (`gan`).
  std::string type = "network";
  std::vector<LayerSpec> layers = default_model_layers();
  std::vector<TreeNodeSpec> tree;
  std::string tree_routing = "hard";  // the headline prediction: hard (argmax per node) | soft
  bool tree_baseline = true;          // also train `layers` as one flat classifier, same split
  KnnConfig knn;
  std::vector<LayerSpec> generator, discriminator;  // model.type gan
  GanConfig gan;
};

struct TrainConfig {
  std::string optimizer = "adam";  // adam | sgd
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-7;      // Keras' default, the papers' framework
  double momentum = 0.9;  // sgd
  bool nesterov = false;  // sgd
  double weight_decay = 0.0;
  std::string lr_schedule = "constant";  // constant | linear (to 0) | step | cosine
  int lr_step_every = 0;                 // step: decay every N units of lr_step_unit
  std::string lr_step_unit = "epoch";    // epoch | iteration
  double lr_gamma = 0.1;                 // step: factor per decay
  double lr_min = 0.0;                   // cosine: final learning rate
  double clip_grad_norm = 0.0;           // clip the global gradient L2 norm to this; 0: off
  int batch_size = 64;
  // Micro-batches per batch: their gradients are summed before the one step (less memory, the
  // same step up to rounding for layers without batch statistics; batch norm normalises each
  // micro-batch by its own statistics).
  int accumulate = 1;
  int epochs = 25;
  int iterations = 0;               // > 0: train for this many optimiser steps instead of `epochs`
  int early_stopping_patience = 0;  // stop after N epochs without a better validation accuracy
  int log_every = 20;               // steps between progress lines
  // Augmentation of the training batches, in order (framework/features/augment.h; the types
  // and their keys: framework/config/augment_types.cpp, docs/config.md). Empty: none.
  std::vector<AugmentSpec> augment;
};

struct EvaluationConfig {
  // Track decisions by a vote of the clips (paper 003, Table 2): thresholds T on the clip votes,
  // reported under both readings (plurality reaches T; true genre reaches T). Empty: none.
  std::vector<int> vote_thresholds;
};

// How often the experiment is run and on which splits (framework/experiment/protocol.h): repeats
// over seeds and/or k-fold cross-validation, each run in its own folder, the figures aggregated.
struct ProtocolConfig {
  // 0: one split by data.split_fractions. k >= 3: k-fold cross-validation over the unit of
  // data.split (tracks stratified by genre, or clips for random_clips): fold i is the test set,
  // fold i+1 (mod k) the validation set, the rest the training set.
  int folds = 0;
  int fold = -1;                // -1: every fold; 0..folds-1: only that one (one run of the set)
  std::vector<uint64_t> seeds;  // empty: the experiment's seed only; else one repeat per seed
};

struct ExperimentConfig {
  std::string name = "experiment";
  std::string paper;                // free text: which paper/section this reproduces
  double paper_test_accuracy = -1;  // the number the paper reported (for the table row); <0: none
  uint64_t seed = 1;
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  DataConfig data;
  FeatureConfig features;
  ModelConfig model;
  TrainConfig train;
  EvaluationConfig evaluation;
  ProtocolConfig protocol;
};

// The seed the split and the folds are drawn with: data.split_seed, or the experiment seed when
// that is 0 (so protocol.seeds repeats over other splits too unless data.split_seed is set).
inline uint64_t split_seed_of(const ExperimentConfig& c) {
  return c.data.split_seed != 0 ? c.data.split_seed : c.seed;
}

}  // namespace mgr::config
