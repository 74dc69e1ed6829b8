// A task kind (model.type: network, tree, knn, gan): what the rest of mgr asks of one kind, in
// one place. Each kind lives in its own folder under framework/tasks/ and gives one TaskKind;
// task_list.cpp lists them, one line each. Nothing outside framework/tasks/ compares model.type:
// it asks task_kind(type). Adding a kind: docs/contributing.md.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/engine/run_setup.h"
#include "framework/graph/graph_model.h"

namespace mgr::tasks {

struct TaskKind {
  std::string name;  // the model.type that selects it
  // Everything about model.* that can be checked from the config alone, before any audio is
  // read (the networks planned against the data's shape); throws mgr::Error, every problem
  // located.
  void (*check)(const config::ExperimentConfig& c);
  // Trains and evaluates on a prepared run (engine/run_setup.h), filling result.metrics.
  void (*run)(train::RunSetup& s, const train::RunOptions& opt, train::RunResult& result);
  // What run_experiment --summary prints, from the config alone.
  std::string (*summary)(const config::ExperimentConfig& c);
  // The run's human-facing files from its finished metrics (table_row.md, plots), written
  // before metrics.json.
  void (*write_reports)(const std::string& run_dir, const nlohmann::json& metrics);
  // The classifier network the kind trains on whole clips (a tree: its template planned flat,
  // as its baseline), for benchmarks; null when it trains none (knn, gan).
  std::shared_ptr<const graph::GraphPlan> (*plan_network)(const config::ExperimentConfig& c);
  // Whether a run reports a test accuracy for sweeps and tables to aggregate.
  bool tested;
};

// The kinds, in the order task_list.cpp gives them.
const std::vector<const TaskKind*>& task_kinds();

// The kind that model.type names; mgr::Error naming the known kinds for any other.
const TaskKind& task_kind(const std::string& type);

// The rules that span kinds (model.tree only with model.type tree), then the kind's own check.
void check_model(const config::ExperimentConfig& c);

}  // namespace mgr::tasks
