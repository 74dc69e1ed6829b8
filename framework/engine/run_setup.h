// What every model type's run shares, whatever it trains: the run directory with the resolved
// config and the environment, the corpus cut into clips and split, the features of every clip
// (precomputed table or on the fly) standardised with training statistics, and the test
// metrics made from clip probabilities (clip and track level, every track vote).
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/data/dataset.h"
#include "framework/data/split.h"
#include "framework/features/pipeline.h"
#include "framework/features/standardise.h"
#include "framework/store/cache_table.h"
#include "framework/store/feature_source.h"
#include "framework/store/feature_table.h"

namespace mgr::train {

struct RunOptions {
  std::string out_dir;                 // empty: runs/<name>-<UTC timestamp>
  std::string config_source;           // the YAML path (recorded in the run directory)
  std::vector<std::string> overrides;  // the --set arguments (recorded)
  bool quiet = false;                  // no progress lines (tests)
  // Continue the run in out_dir: every training job picks up from its training_state.h5 (the
  // epochs it records are not run again); a run whose metrics.json exists is left as it is.
  bool resume = false;
};

struct RunResult {
  std::string run_dir;
  nlohmann::json metrics;  // what metrics.json holds
};

// The experiment's corpus (the synthetic one generated when missing), decoded and cut into
// clips; `root` is the folder it was read from.
struct LoadedData {
  data::Dataset ds;
  std::string root;
  data::LoadReport report;
};
LoadedData load_experiment_data(const config::ExperimentConfig& cfg, std::ostream& log);

// The experiment's tracks before any audio is read (the synthetic corpus generated when missing):
// the source's list after data.max_tracks_per_genre, data.exclude and the split's selections.
// `root` receives the folder (or manifest) it was read from.
TrackList select_experiment_tracks(const config::ExperimentConfig& cfg, std::ostream& log,
                                   std::string& root);

struct RunSetup {
  config::ExperimentConfig cfg;
  Device device;
  std::string run_dir;
  LoadedData loaded;
  data::SplitKind split_kind{};
  data::Split split;
  int tracks_on_two_sides = 0;  // tracks with clips in two parts: the run is leaky when > 0
  int num_classes = 0;
  std::vector<int> labels, tracks;  // per clip (feature row)
  std::unique_ptr<features::FeaturePipeline> pipeline;
  FeatureTable table;  // empty in on_the_fly mode
  // The cached table (precomputed mode, features.cache auto): its files and clip list; null
  // otherwise. storage: memory (table above) or disk (batches read from its files).
  std::unique_ptr<CacheTable> cache_table;
  std::string storage;  // memory | disk
  int64_t table_bytes = 0;
  std::optional<features::NormalisationStats> norm;
  std::unique_ptr<FeatureSource> source;
  Shape clip_shape;
  bool on_the_fly = false;
  bool resume = false;  // RunOptions::resume: training jobs continue from their saved state
  double data_seconds = 0, feature_seconds = 0;
  std::function<void(const std::string&)> say;  // a progress line unless quiet
};

// runs/<name>-<UTC time>[-N]: a folder name not taken yet.
std::string default_run_dir(const std::string& name);

// Creates the run directory (config.yaml, environment.json), loads and splits the data and
// computes (or prepares) the features. Throws mgr::Error on an empty split part.
std::unique_ptr<RunSetup> setup_run(const config::ExperimentConfig& cfg, const RunOptions& opt);

// The metrics.json fields every run has: experiment, paper, seed, device, split, leaky, data,
// class_names, paper_test_accuracy.
nlohmann::json common_metrics(const RunSetup& s);

// Test metrics from clip probabilities (rows of num_classes) and the clips' labels and tracks:
// {clip_accuracy, track_accuracy, clip, track, track_votes}; the clip prediction is each row's
// argmax, the track the majority vote of its clips (plus the mean-probability and threshold
// votes of evaluation.vote_thresholds).
nlohmann::json test_metrics(const std::vector<int>& truth, const std::vector<int>& tracks,
                            const std::vector<float>& probs, int num_classes,
                            const std::vector<std::string>& class_names,
                            const std::vector<int>& vote_thresholds);

}  // namespace mgr::train
