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

// What run_experiment --summary prints, from the config alone: the network's layer table; for a
// tree, the tree and each node's network; for a KNN, its settings.
std::string model_summary(const config::ExperimentConfig& cfg);

}  // namespace mgr::train
