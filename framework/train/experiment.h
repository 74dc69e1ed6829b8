// One experiment from config to run directory: data, features on the device, training with
// validation each epoch and the best checkpoint kept, test evaluation, metrics and reports.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "framework/config/experiment_config.h"
#include "framework/data/dataset.h"

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

RunResult run_experiment(const config::ExperimentConfig& cfg, const RunOptions& opt);

// run_experiment --resume: the run directory's own config.yaml, continued where it stopped.
RunResult resume_experiment(const std::string& run_dir, bool quiet = false);

// What run_experiment --summary prints, from the config alone: the network's layer table; for a
// tree, the tree and each node's network; for a KNN, its settings.
std::string model_summary(const config::ExperimentConfig& cfg);

}  // namespace mgr::train
