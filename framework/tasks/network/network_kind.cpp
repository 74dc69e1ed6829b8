#include "framework/tasks/network/network_kind.h"

#include <filesystem>

#include "framework/engine/checkpoint.h"
#include "framework/engine/html.h"
#include "framework/engine/report.h"
#include "framework/graph/model_check.h"

namespace mgr::tasks {

namespace {

std::shared_ptr<const TaskPlan> plan(const config::ExperimentConfig& c) {
  auto p = std::make_shared<NetworkPlan>();
  p->network = graph::plan_classifier(c);
  return p;
}

std::shared_ptr<const graph::GraphPlan> network(const TaskPlan& p) {
  return plan_as<NetworkPlan>(p).network;
}

std::string summary(const config::ExperimentConfig& c, const TaskPlan& p) {
  graph::GraphModel model(network(p), c.seed);
  return model.summary_text();
}

// The learning curves (accuracy and loss per epoch, train and validation).
std::string report_section(const std::string&, const nlohmann::json& m) {
  if (!m.contains("history") || m["history"].empty())
    return "<p>No training history in metrics.json.</p>\n";
  return "<figure>" + train::inline_svg(train::svg_learning_curves(m["history"])) +
         "<figcaption>learning curves (best epoch " + std::to_string(m.value("best_epoch", 0)) +
         ")</figcaption></figure>\n";
}

void load_trained(const config::ExperimentConfig&, const TaskPlan& p, const std::string& run_dir,
                  Device device, TrainedNetworks& out) {
  out.models.push_back(train::load_trained_network(
      network(p), (std::filesystem::path(run_dir) / "best_model.h5").string(), device));
}

}  // namespace

const TaskKind& network_kind() {
  static const TaskKind kind{.name = "network",
                             .title = "a classifier network",
                             .plan = plan,
                             .run = train::run_network,
                             .summary = summary,
                             .write_reports = train::write_reports,
                             .report_section = report_section,
                             .network = network,
                             .load_trained = load_trained,
                             .cannot_classify = nullptr,
                             .tested = true};
  return kind;
}

}  // namespace mgr::tasks
