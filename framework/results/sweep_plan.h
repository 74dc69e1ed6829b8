// A sweep file (experiments/sweeps/*.yaml) and the runs it expands to. The file names a base
// experiment, fixed `--set` overrides, a grid (every combination) and/or zipped lists (varied
// together) of `--set` keys, the protocol (seeds, folds) and Slurm settings:
//
//   name: crnn_rnn_by_split              # default: the file's stem
//   experiment: ../crnn_gru.yaml         # relative to the sweep file
//   out: runs/sweeps/crnn_rnn_by_split   # default: runs/sweeps/<name>
//   set: {train.epochs: 5}
//   grid: {model.layers.gru.type: [gru, lstm], data.split: [random_clips, track_stratified]}
//   zip: {train.lr: [0.001, 0.0005], train.batch_size: [64, 32]}
//   protocol: {seeds: [1, 2, 3], folds: 0}
//   workers: 1
//   slurm: {partition: gpu, time: "02:00:00", gpus_per_task: 1, cpus_per_task: 4,
//           max_parallel: 0, sbatch: ["--mem=16G"]}
//
// Every point of the sweep is resolved with the experiment parser before anything runs, so an
// unknown key or an invalid value is an error naming the sweep file's line.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mgr::results {

struct SlurmSettings {
  std::string partition, time;
  int gpus_per_task = 0, cpus_per_task = 0, max_parallel = 0;  // 0: not passed to sbatch
  std::vector<std::string> sbatch;                             // extra sbatch options
};

// One `--set` override with where it came from in the sweep file.
struct SweepSetting {
  std::string key, value;  // value as YAML flow text
  int line = 0, column = 0;
  std::string text() const { return key + "=" + value; }
};

struct SweepPoint {
  std::string dir;                     // folder under the sweep's out: "003-lstm-random_clips"
  std::vector<SweepSetting> varied;    // the grid / zip keys of this point
  std::vector<std::string> overrides;  // every --set of the point (fixed, varied, protocol)
};

struct SweepRun {
  std::string id;                 // "<point dir>/<run subdir>", unique
  int point = 0;                  // index into SweepPlan::points
  std::string dir;                // out/<id>
  uint64_t seed = 0;              // this run's seed
  int fold = -1;                  // -1: no cross-validation
  std::string features;           // runs with the same text compute the same features (cache group)
  std::vector<std::string> args;  // run_experiment arguments after the program name
};

struct SweepPlan {
  std::string name, file, experiment, out;
  std::vector<std::string> varied_keys;
  std::vector<SweepPoint> points;
  std::vector<SweepRun> runs;
  SlurmSettings slurm;
  int workers = 0;  // 0: one per GPU, or one without a GPU
};

// Reads the sweep file, expands it and resolves every point (experiment parser, model check).
// All problems are reported together in one mgr::Error, each line starting with
// "<file>:<line>:<column>:". `out_override` replaces the file's `out`.
SweepPlan load_sweep(const std::string& path, const std::string& out_override = "");

nlohmann::json plan_to_json(const SweepPlan& p);
SweepPlan plan_from_json(const nlohmann::json& j);

// <out>/sweep.json: the plan, written by every sweep command that runs or submits, read by
// --status and by the Slurm array tasks.
std::string plan_path(const std::string& out);

}  // namespace mgr::results
