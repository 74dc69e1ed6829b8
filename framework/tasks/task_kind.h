// A task kind (model.type: network, tree, knn, gan): what the rest of mgr asks of one kind, in
// one place. Each kind lives in its own folder under framework/tasks/ and gives one TaskKind;
// task_list.cpp lists them, one line each. Nothing outside framework/tasks/ compares model.type:
// it asks task_kind(type). Adding a kind: docs/contributing.md.
//
// The plan is made once: plan_task() checks the model against the data's shape and keeps what
// it planned (the networks' GraphPlans, a tree's nodes, a KNN's feature groups) in the kind's
// TaskPlan; the run, the summary, benchmarks and inference take that plan back instead of
// planning again.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "framework/config/experiment_config.h"
#include "framework/config/field_table.h"
#include "framework/engine/run_setup.h"
#include "framework/graph/graph_model.h"

namespace mgr::tree {
class ClassTree;
}

namespace mgr::tasks {

// What one kind planned from a config; each kind derives its own (network_kind.h, ...).
struct TaskPlan {
  virtual ~TaskPlan() = default;
};

// A finished run's networks read back for classifying new audio (framework/tasks/
// trained_model.h): one network, or one per tree node in the tree's node order with the tree.
struct TrainedNetworks {
  std::vector<std::unique_ptr<graph::GraphModel>> models;
  std::shared_ptr<const tree::ClassTree> tree;  // null unless a tree
};

struct TaskKind {
  std::string name;   // the model.type that selects it
  std::string title;  // what the kind trains, in words (report headings)
  // Everything about model.* that can be checked from the config alone, before any audio is
  // read, planned against the data's shape; throws mgr::Error, every problem located.
  std::shared_ptr<const TaskPlan> (*plan)(const config::ExperimentConfig& c);
  // Trains and evaluates on a prepared run (engine/run_setup.h), filling result.metrics.
  void (*run)(train::RunSetup& s, const TaskPlan& plan, const train::RunOptions& opt,
              train::RunResult& result);
  // What run_experiment --summary prints, from the config and its plan alone.
  std::string (*summary)(const config::ExperimentConfig& c, const TaskPlan& plan);
  // The run's human-facing files from its finished metrics (table_row.md, plots), written
  // before metrics.json.
  void (*write_reports)(const std::string& run_dir, const nlohmann::json& metrics);
  // The kind's own section of the HTML report (framework/results/html_report.h) for one finished
  // run: self-contained HTML (inline SVG, images as data URIs) from the run directory and its
  // metrics.json.
  std::string (*report_section)(const std::string& run_dir, const nlohmann::json& metrics);
  // The classifier network the kind trains on whole clips (a tree: its template planned flat,
  // as its baseline), for benchmarks; null when it trains none (knn, gan).
  std::shared_ptr<const graph::GraphPlan> (*network)(const TaskPlan& plan);
  // The trained networks of a finished run directory for `classify`, on `device`; null when the
  // kind cannot classify new audio, and `cannot_classify` says why.
  void (*load_trained)(const config::ExperimentConfig& c, const TaskPlan& plan,
                       const std::string& run_dir, Device device, TrainedNetworks& out);
  const char* cannot_classify;
  // Whether a run reports a test accuracy for sweeps and tables to aggregate.
  bool tested;
  // Rules over config fields that hold for this kind only (each returns nothing for another
  // model.type): checked while the YAML is read, located at file:line like the config table's
  // own, and listed in docs/config.md.
  std::vector<config::CrossCheck> rules = {};
  // Why a finished run of this kind cannot be trained on to more epochs (run_experiment --resume
  // --epochs); null when it can.
  const char* cannot_extend = nullptr;
};

// The kinds, in the order task_list.cpp gives them.
const std::vector<const TaskKind*>& task_kinds();

// Every kind's rules, in task_kinds() order: what config::load_experiment takes as `rules`.
const std::vector<config::CrossCheck>& kind_rules();

// The kind that model.type names; mgr::Error naming the known kinds for any other.
const TaskKind& task_kind(const std::string& type);

// A config's kind and its plan, made once by plan_task and handed down.
struct PlannedTask {
  const TaskKind* kind = nullptr;
  std::shared_ptr<const TaskPlan> plan;
};

// The rules that span kinds (model.tree only with model.type tree), then the kind's own plan.
PlannedTask plan_task(const config::ExperimentConfig& c);

// The kind's plan as its own type; mgr::Error when the plan belongs to another kind.
template <class P>
const P& plan_as(const TaskPlan& plan) {
  const P* p = dynamic_cast<const P*>(&plan);
  if (!p) throw Error("task plan of another kind");
  return *p;
}

}  // namespace mgr::tasks
