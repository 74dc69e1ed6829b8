#include "framework/tasks/network/network_kind.h"

#include "framework/engine/report.h"
#include "framework/graph/model_check.h"

namespace mgr::tasks {

namespace {

void check(const config::ExperimentConfig& c) { graph::plan_classifier(c); }

std::shared_ptr<const graph::GraphPlan> plan(const config::ExperimentConfig& c) {
  return graph::plan_classifier(c);
}

std::string summary(const config::ExperimentConfig& c) {
  graph::GraphModel model(graph::plan_classifier(c), c.seed);
  return model.summary_text();
}

}  // namespace

const TaskKind& network_kind() {
  static const TaskKind kind{"network", check, train::run_network, summary, train::write_reports,
                             plan,      true};
  return kind;
}

}  // namespace mgr::tasks
