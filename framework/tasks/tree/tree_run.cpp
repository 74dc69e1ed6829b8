// model.type tree: one classifier per node of model.tree (paper 000's hierarchical LSTM), each
// trained on the clips of the genres below it with the child as label, then the test clips
// routed top-down (hard: each node's argmax; soft: path products). Every node's checkpoint,
// history and summary go to nodes/<name>/; the flat baseline (model.tree_baseline) to flat/.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>

#include "framework/config/tree_yaml.h"
#include "framework/engine/classifier.h"
#include "framework/engine/metrics.h"
#include "framework/engine/report.h"
#include "framework/graph/model_check.h"
#include "framework/tasks/tree/class_tree.h"
#include "framework/tasks/tree/tree_kind.h"
#include "framework/tasks/tree/tree_plan.h"
#include "framework/tasks/tree/tree_report.h"

namespace mgr::train {

namespace fs = std::filesystem;

namespace {

std::vector<int> rows_with_label(const std::vector<int>& rows, const std::vector<int>& labels) {
  std::vector<int> out;
  for (int r : rows)
    if (labels[static_cast<size_t>(r)] >= 0) out.push_back(r);
  return out;
}

// A node's seed: the experiment seed and the node's name, so nodes start differently and a
// node starts the same whatever the order of the list.
uint64_t node_seed(uint64_t seed, const std::string& name) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char ch : name) h = (h ^ ch) * 1099511628211ull;
  return seed ^ h;
}

std::vector<float> one_hot(const std::vector<int>& pred, int classes) {
  std::vector<float> out(pred.size() * static_cast<size_t>(classes), 0.0f);
  for (size_t i = 0; i < pred.size(); ++i)
    out[i * static_cast<size_t>(classes) + static_cast<size_t>(pred[i])] = 1.0f;
  return out;
}

}  // namespace

void run_tree(RunSetup& s, const tasks::TaskPlan& plan, const RunOptions& opt, RunResult& result) {
  const config::ExperimentConfig& cfg = s.cfg;
  const tasks::TreePlan& tp = tasks::plan_as<tasks::TreePlan>(plan);
  const data::Dataset& ds = s.loaded.ds;
  const tree::ClassTree tree(cfg.model.tree, ds.genres);
  const fs::path dir(s.run_dir);
  const std::vector<int>& test_rows = s.split.test;
  const int n_test = static_cast<int>(test_rows.size());
  std::vector<int> test_truth;
  for (int r : test_rows) test_truth.push_back(s.labels[static_cast<size_t>(r)]);

  nlohmann::json& m = result.metrics;
  nlohmann::json nodes = nlohmann::json::array();
  std::vector<std::vector<float>> node_probs(tree.nodes().size());
  double training_seconds = 0;
  for (size_t step = 0; step < tree.order().size(); ++step) {
    const int k = tree.order()[step];
    const tree::TreeNode& node = tree.nodes()[static_cast<size_t>(k)];
    const config::TreeNodeSpec& spec = cfg.model.tree[static_cast<size_t>(k)];
    std::vector<std::string> errors;
    const config::ExperimentConfig nc = config::node_config(cfg, spec, errors);
    MGR_CHECK(errors.empty(), errors.front());  // plan_task reported these before

    std::vector<std::string> child_names;
    for (int c = 0; c < node.children(); ++c)
      child_names.push_back(node.child_name(c, ds.genres, tree.nodes()));
    ClassifierJob job;
    job.plan = tp.nodes[static_cast<size_t>(k)];
    job.train = nc.train;
    job.seed = node_seed(cfg.seed, node.name);
    job.labels.resize(s.labels.size());
    for (size_t i = 0; i < s.labels.size(); ++i) job.labels[i] = tree.child_of(k, s.labels[i]);
    job.train_rows = rows_with_label(s.split.train, job.labels);
    job.validation_rows = rows_with_label(s.split.validation, job.labels);
    job.dir = (dir / "nodes" / node.name).string();
    job.label = node.name;
    MGR_CHECK(!job.train_rows.empty() && !job.validation_rows.empty(),
              "tree node '" << node.name << "' has " << job.train_rows.size() << " training and "
                            << job.validation_rows.size()
                            << " validation clips of its genres: use more data");
    s.say(fmt::format("tree: node {}/{} '{}': {} -> [{}], {} training clips, {}", step + 1,
                      tree.order().size(), node.name, fmt::join(child_names, " | "),
                      node.children(), job.train_rows.size(),
                      nc.train.iterations > 0 ? fmt::format("{} iterations", nc.train.iterations)
                                              : fmt::format("{} epochs", nc.train.epochs)));
    TrainedClassifier c = train_classifier(s, job, opt.quiet);
    training_seconds += c.trained.seconds;
    std::ofstream(fs::path(job.dir) / "learning_curves.svg")
        << svg_learning_curves(c.trained.history);

    // The node on its own genres' test clips (the paper's per-node table), and on every test
    // clip for routing.
    const std::vector<int> own_test = rows_with_label(test_rows, job.labels);
    const Predictions own = predict(*c.model, *s.source, own_test, job.labels, s.tracks,
                                    evaluation_batch_size(nc.train));
    const ClassificationReport own_report = classify_report(own.truth, own.pred, node.children());
    node_probs[static_cast<size_t>(k)] =
        predict_probabilities(*c.model, *s.source, test_rows, evaluation_batch_size(nc.train));

    nlohmann::json nj = training_json(c);
    nj["name"] = node.name;
    nj["children"] = child_names;
    std::vector<std::string> genres;
    for (int g : node.genres) genres.push_back(ds.genres[static_cast<size_t>(g)]);
    nj["genres"] = genres;
    nj["depth"] = node.depth;
    nj["parent"] = node.parent >= 0 ? nlohmann::json(tree.nodes()[node.parent].name) : nullptr;
    nj["epochs"] = nc.train.epochs;
    nj["train_clips"] = job.train_rows.size();
    nj["validation_clips"] = job.validation_rows.size();
    nj["test"] = {{"clips", own_test.size()},
                  {"clip_accuracy", own_report.accuracy},
                  {"loss", own.loss},
                  {"report", report_to_json(own_report, child_names)}};
    nj["paper_accuracy"] =
        spec.paper_accuracy >= 0 ? nlohmann::json(spec.paper_accuracy) : nlohmann::json(nullptr);
    nj["history"] = c.trained.history;
    nj["seconds"] = c.trained.seconds;
    s.say(fmt::format("tree: node '{}': test accuracy on its genres {:.4f} ({} clips){}", node.name,
                      own_report.accuracy, own_test.size(),
                      spec.paper_accuracy >= 0 ? fmt::format(", paper {:.3f}", spec.paper_accuracy)
                                               : std::string()));
    nodes.push_back(nj);
  }

  // Routing. Cascaded per-node accuracy: over the test clips that hard routing brings to the
  // node and whose genre lies below it (errors above the node are not counted against it).
  const std::vector<int> hard = tree.route_hard(node_probs, n_test);
  const std::vector<float> soft = tree.route_soft(node_probs, n_test);
  std::vector<int> reached(tree.nodes().size(), 0), reached_right(tree.nodes().size(), 0);
  for (int i = 0; i < n_test; ++i) {
    const int g = test_truth[static_cast<size_t>(i)];
    for (int k = tree.root(); k >= 0;) {
      const tree::TreeNode& node = tree.nodes()[static_cast<size_t>(k)];
      const int mch = node.children();
      const float* p = node_probs[static_cast<size_t>(k)].data() + static_cast<size_t>(i) * mch;
      const int c = static_cast<int>(std::max_element(p, p + mch) - p);
      const int truth_child = tree.child_of(k, g);
      if (truth_child < 0) break;  // routed away from the true genre above
      ++reached[static_cast<size_t>(k)];
      reached_right[static_cast<size_t>(k)] += c == truth_child;
      k = node.child_node[static_cast<size_t>(c)];
    }
  }
  for (nlohmann::json& nj : nodes) {
    const int k = tree.find(nj["name"].get<std::string>());
    const int r = reached[static_cast<size_t>(k)];
    nj["cascaded"] = {
        {"clips", r},
        {"clip_accuracy",
         r ? nlohmann::json(double(reached_right[static_cast<size_t>(k)]) / r) : nlohmann::json()}};
  }

  const auto& vt = cfg.evaluation.vote_thresholds;
  std::vector<int> test_tracks;
  for (int r : test_rows) test_tracks.push_back(s.tracks[static_cast<size_t>(r)]);
  nlohmann::json hard_m = test_metrics(test_truth, test_tracks, one_hot(hard, s.num_classes),
                                       s.num_classes, ds.genres, vt);
  nlohmann::json soft_m = test_metrics(test_truth, test_tracks, soft, s.num_classes, ds.genres, vt);
  m["tree"] = {
      {"routing", cfg.model.tree_routing}, {"nodes", nodes}, {"hard", hard_m}, {"soft", soft_m}};
  m["test"] = cfg.model.tree_routing == "soft" ? soft_m : hard_m;
  m["history"] = nlohmann::json::array();  // per node: nodes/<name>/history.csv
  s.say(fmt::format(
      "tree: final 10-way test accuracy, hard routing: clip {:.4f}, track {:.4f}; soft routing: "
      "clip {:.4f}, track {:.4f}",
      hard_m["clip_accuracy"].get<double>(), hard_m["track_accuracy"].get<double>(),
      soft_m["clip_accuracy"].get<double>(), soft_m["track_accuracy"].get<double>()));

  if (cfg.model.tree_baseline) {
    // The same network trained flat on all genres, same split and features: the paper's claim
    // that the tree helps is checked against it.
    ClassifierJob job;
    job.plan = tp.flat;
    job.train = cfg.train;
    job.seed = cfg.seed;
    job.labels = s.labels;
    job.train_rows = s.split.train;
    job.validation_rows = s.split.validation;
    job.dir = (dir / "flat").string();
    job.label = "flat";
    s.say(fmt::format("tree: flat baseline: model.layers on all {} genres, {} epochs",
                      s.num_classes, cfg.train.epochs));
    TrainedClassifier c = train_classifier(s, job, opt.quiet);
    training_seconds += c.trained.seconds;
    std::ofstream(fs::path(job.dir) / "learning_curves.svg")
        << svg_learning_curves(c.trained.history);
    const Predictions test = predict(*c.model, *s.source, test_rows, s.labels, s.tracks,
                                     evaluation_batch_size(cfg.train));
    nlohmann::json fm = training_json(c);
    fm["test"] = test_metrics(test.truth, test.tracks, test.probs, s.num_classes, ds.genres, vt);
    fm["test"]["loss"] = test.loss;
    fm["history"] = c.trained.history;
    m["flat_baseline"] = fm;
    s.say(fmt::format("tree: flat baseline test accuracy: clip {:.4f}, track {:.4f}",
                      fm["test"]["clip_accuracy"].get<double>(),
                      fm["test"]["track_accuracy"].get<double>()));
  }
  // What the paper's claim is read from, each figure aggregated over a protocol's runs
  // (framework/experiment/protocol.cpp): the tree under both routings beside the flat network.
  const auto figures = [](const nlohmann::json& t) {
    return nlohmann::json{{"clip_accuracy", t.at("clip_accuracy")},
                          {"track_accuracy", t.at("track_accuracy")},
                          {"clip_macro_f1", t.at("clip").at("macro_f1")},
                          {"track_macro_f1", t.at("track").at("macro_f1")}};
  };
  m["variants"] = {{"tree, hard routing", figures(hard_m)},
                   {"tree, soft routing", figures(soft_m)}};
  if (m.contains("flat_baseline"))
    m["variants"]["flat baseline"] = figures(m["flat_baseline"]["test"]);
  m["timing_seconds"]["training"] = training_seconds;
  std::ofstream(dir / "tree.svg") << svg_tree(m);
  std::ofstream(dir / "tree_nodes.md") << tree_table(m);
}

}  // namespace mgr::train
