// An experiment's protocol (protocol.seeds, protocol.folds): the runs it is made of, each one
// run_experiment into its own folder under the experiment's directory, and the aggregate
// metrics.json beside them (mean, standard deviation and every run's figure).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/experiment/experiment.h"

namespace mgr::train {

struct ProtocolRun {
  uint64_t seed = 0;
  int fold = -1;       // -1: no cross-validation
  std::string subdir;  // "seed-2-fold-3", "fold-3", "seed-2"; "" for a protocol of one run
};

// The runs of cfg's protocol, seeds outer, folds inner. One run (no seeds list, no folds, or a
// chosen protocol.fold with at most one seed) has an empty subdir: it is the directory itself.
std::vector<ProtocolRun> protocol_runs(const config::ExperimentConfig& cfg);

// The configuration of one run: seed replaced, protocol.seeds emptied, protocol.fold chosen, so
// its config.yaml reruns exactly that run.
config::ExperimentConfig run_config(const config::ExperimentConfig& cfg, const ProtocolRun& r);

// The figures a table shows, from one run's metrics.json: clip_accuracy, track_accuracy,
// clip_macro_f1, track_macro_f1 (test split).
nlohmann::json run_figures(const nlohmann::json& metrics);

// {mean, std (sample, n - 1; 0 for one value), n, min, max, values} of the values.
nlohmann::json summary_statistics(const std::vector<double>& values);

// The aggregate metrics.json of several runs of one experiment: identity (experiment, paper,
// paper_test_accuracy, split, leaky, model_type, class_names), protocol {folds, seeds, runs},
// runs [{dir, seed, fold, <figures>}], aggregate {<figure>: summary_statistics},
// confusion {clip, track}: the test confusion matrices summed over the runs.
// `dirs` names each run's folder relative to the aggregate's.
nlohmann::json aggregate_metrics(const std::vector<nlohmann::json>& run_metrics,
                                 const std::vector<std::string>& dirs);

// The Markdown table of an aggregate (header and one row): mean +- std (n) of clip and track
// accuracy and macro F1 beside the paper's number, leaky splits labelled.
std::string aggregate_table(const nlohmann::json& aggregate);

// Runs every run of cfg's protocol. One run: run_experiment into opt.out_dir. Several: each
// into <out_dir>/<subdir>, then metrics.json (aggregate_metrics) and table_row.md in out_dir;
// the result holds out_dir and the aggregate.
// Every run takes the experiment's one plan (a run differs only in seed and fold).
RunResult run_protocol(const experiment::Experiment& e, const RunOptions& opt);

}  // namespace mgr::train
