#include "framework/tasks/knn/knn_kind.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "framework/engine/html.h"
#include "framework/engine/report.h"
#include "framework/features/pipeline.h"
#include "framework/graph/model_check.h"

namespace mgr::tasks {

std::vector<features::FeatureGroup> knn_feature_groups(const config::ExperimentConfig& c) {
  if (features::has_feature_stage(c.features.type) &&
      features::feature_stage(c.features.type).clip_level)
    return features::feature_groups(c.features, c.data.sample_rate, graph::clip_samples(c));
  return {{c.features.type, 0, shape_numel(graph::model_input_shape(c))}};
}

namespace {

// model.knn.groups must name groups of the clip's vector; a KNN has no network to plan.
std::shared_ptr<const TaskPlan> plan(const config::ExperimentConfig& c) {
  auto p = std::make_shared<KnnPlan>();
  p->groups = knn_feature_groups(c);
  std::vector<std::string> names;
  for (const features::FeatureGroup& g : p->groups) names.push_back(g.name);
  for (const std::string& g : c.model.knn.groups)
    if (std::find(names.begin(), names.end(), g) == names.end())
      throw Error(fmt::format(
          "model.knn.groups: no feature group named '{}'; the groups of features.type {} are "
          "{}",
          g, c.features.type, fmt::join(names, ", ")));
  return p;
}

std::string summary(const config::ExperimentConfig& cfg, const TaskPlan&) {
  const config::KnnConfig& k = cfg.model.knn;
  return fmt::format(
      "k nearest neighbours on {} features of {} values per clip: k {}, {} distance, {} vote, "
      "{}\n",
      cfg.features.type, shape_str(graph::model_input_shape(cfg)), k.k, k.metric, k.vote,
      k.standardise ? "standardised columns" : "raw columns");
}

// The search's settings and its validation accuracy (a KNN has no training curve).
std::string report_section(const std::string&, const nlohmann::json& m) {
  const nlohmann::json k = m.value("knn", nlohmann::json::object());
  std::string groups;
  const nlohmann::json gs = k.value("groups", nlohmann::json::array());
  const nlohmann::json ws = k.value("weights", nlohmann::json::array());
  for (size_t i = 0; i < gs.size(); ++i)
    groups += fmt::format("{}{} x {}", groups.empty() ? "" : ", ",
                          train::html_escape(gs[i].get<std::string>()),
                          i < ws.size() ? ws[i].dump() : "1");
  const nlohmann::json val = m.value("validation", nlohmann::json::object());
  return fmt::format(
      "<table>\n<tbody>\n<tr><th>k</th><td>{}</td></tr>\n<tr><th>distance</th><td>{}</td></tr>\n"
      "<tr><th>vote</th><td>{}</td></tr>\n<tr><th>columns</th><td>{} ({})</td></tr>\n"
      "<tr><th>group weights</th><td>{}</td></tr>\n<tr><th>validation clip accuracy</th>"
      "<td>{}</td></tr>\n</tbody>\n</table>\n",
      k.value("k", 0), train::html_escape(k.value("metric", std::string("?"))),
      train::html_escape(k.value("vote", std::string("?"))), k.value("columns", 0),
      k.value("standardise", false) ? "standardised on the training split" : "raw",
      groups.empty() ? std::string("all 1") : groups,
      val.contains("clip_accuracy") ? fmt::format("{:.4f}", val["clip_accuracy"].get<double>())
                                    : std::string("n/a"));
}

}  // namespace

const TaskKind& knn_kind() {
  static const TaskKind kind{
      .name = "knn",
      .title = "k nearest neighbours",
      .plan = plan,
      .run = train::run_knn,
      .summary = summary,
      .write_reports = train::write_reports,
      .report_section = report_section,
      .network = nullptr,
      .load_trained = nullptr,
      .cannot_classify =
          "a model.type knn run keeps no training set (only its metrics), so there "
          "is nothing to classify with",
      .tested = true,
      .rules = {{{"model.type"},
                 "knn: train.augment empty (a knn run has no training batches)",
                 [](const config::ExperimentConfig& c) -> std::optional<std::string> {
                   if (c.model.type != "knn" || c.train.augment.empty()) return std::nullopt;
                   return "knn has no training batches to augment; set train.augment: []";
                 }}},
      .cannot_extend = "a knn run has no epochs"};
  return kind;
}

}  // namespace mgr::tasks
